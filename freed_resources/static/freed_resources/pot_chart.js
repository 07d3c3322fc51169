/* Reinvestment pots over time, drawn with the bundled plotly.js. Data comes from a json_script element
 * (no inline script: CSP script-src 'self'); a table of the same figures sits beside each chart. */
(function () {
  "use strict";
  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    if (!source || typeof Plotly === "undefined") return;
    var data = JSON.parse(source.textContent);
    var traces = [];
    data.series.forEach(function (s) {
      var x = s.points.map(function (p) { return p.date; });
      traces.push({ x: x, y: s.points.map(function (p) { return p.declared; }), name: s.name + " declared", mode: "lines+markers", line: { shape: "hv" } });
      traces.push({ x: x, y: s.points.map(function (p) { return p.remaining; }), name: s.name + " remaining", mode: "lines+markers", line: { shape: "hv", dash: "dot" } });
    });
    Plotly.newPlot(el, traces, {
      margin: { l: 70, r: 20, t: 20, b: 50 },
      legend: { orientation: "h", y: -0.2 },
      yaxis: { tickprefix: "£", separatethousands: true, rangemode: "tozero" },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)"
    }, { displaylogo: false, responsive: true, displayModeBar: false });
  }
  document.querySelectorAll("[data-pot-chart]").forEach(draw);
})();
