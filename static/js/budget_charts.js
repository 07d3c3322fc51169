/* Budget and report charts, drawn with the plotly.js bundled in the installed plotly package (no CDN).
 * Each chart is a <div data-chart="kind" data-source="id-of-json-script">; its data comes from a
 * json_script element, so the page needs no inline script (CSP script-src 'self'). Every chart has a
 * table of the same figures on the page for screen readers and printing. */
(function () {
  "use strict";

  var NHS_BLUE = "#005eb8";
  var NHS_DARK = "#003087";
  var GREY = "#768692";
  var ORANGE = "#ed8b00";
  var RED = "#d5281b";
  var GREEN = "#007f3b";
  // Hover and zoom stay; the mode bar (icon links without text) is left out for keyboard and screen-reader users.
  var CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };
  var FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size: 13 };

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function layout(extra) {
    var base = {
      font: FONT,
      margin: { l: 70, r: 20, t: 30, b: 50 },
      legend: { orientation: "h", y: -0.2 },
      hovermode: "x unified",
      yaxis: { tickprefix: "£", separatethousands: true, rangemode: "tozero" },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)"
    };
    return Object.assign(base, extra || {});
  }

  function monthly(el, d) {
    var traces = [
      { type: "bar", name: "Actual", x: d.months, y: d.actual, marker: { color: NHS_BLUE } },
      { type: "scatter", mode: "lines+markers", name: "Budget", x: d.months, y: d.budget,
        line: { color: ORANGE, width: 3 } }
    ];
    Plotly.newPlot(el, traces, layout(), CONFIG);
  }

  function cumulative(el, d) {
    var traces = [
      { type: "scatter", mode: "lines", name: "YTD budget", x: d.months, y: d.ytd_budget,
        line: { color: ORANGE, width: 3 } },
      { type: "scatter", mode: "lines+markers", name: "YTD actual", x: d.months, y: d.ytd_actual,
        line: { color: NHS_BLUE, width: 3 } }
    ];
    if (d.current_to && d.forecast !== null && d.current_to < 12) {
      var last = d.ytd_actual[d.current_to - 1] || 0;
      traces.push({ type: "scatter", mode: "lines", name: "Forecast outturn",
        x: [d.months[d.current_to - 1], d.months[11]], y: [last, d.forecast],
        line: { color: NHS_DARK, width: 2, dash: "dash" } });
    }
    Plotly.newPlot(el, traces, layout(), CONFIG);
  }

  function heatmap(el, d) {
    var value = { green: 0, amber: 1, red: 2 };
    var label = { green: "Green", amber: "Amber", red: "Red", "": "No data" };
    var z = d.rag.map(function (row) { return row.map(function (r) { return r in value ? value[r] : null; }); });
    var text = d.rag.map(function (row) { return row.map(function (r) { return label[r] || "No data"; }); });
    var trace = {
      type: "heatmap", x: d.months, y: d.categories, z: z, text: text, texttemplate: "%{text}",
      hovertemplate: "%{y} %{x}: %{text}<extra></extra>", zmin: 0, zmax: 2, showscale: false, xgap: 2, ygap: 2,
      colorscale: [[0, GREEN], [0.33, GREEN], [0.34, "#ffb81c"], [0.66, "#ffb81c"], [0.67, RED], [1, RED]]
    };
    Plotly.newPlot(el, [trace], layout({ yaxis: { autorange: "reversed", type: "category" },
      xaxis: { type: "category" }, hovermode: "closest", margin: { l: 80, r: 20, t: 20, b: 40 } }), CONFIG);
  }

  function funnel(el, d) {
    var traces = [];
    if (d.curve) {
      [["upper_998", "99.8% limits", RED, "dot"], ["upper_95", "95% limits", ORANGE, "dash"]].forEach(function (l) {
        var lower = l[0].replace("upper", "lower");
        traces.push({ type: "scatter", mode: "lines", name: l[1], x: d.curve.population, y: d.curve[l[0]],
          line: { color: l[2], dash: l[3] }, hoverinfo: "skip", legendgroup: l[0] });
        traces.push({ type: "scatter", mode: "lines", name: l[1], x: d.curve.population, y: d.curve[lower],
          line: { color: l[2], dash: l[3] }, hoverinfo: "skip", legendgroup: l[0], showlegend: false });
      });
      traces.push({ type: "scatter", mode: "lines", name: "PCT mean", hoverinfo: "skip",
        x: [d.curve.population[0], d.curve.population[d.curve.population.length - 1]], y: [d.mean, d.mean],
        line: { color: GREY } });
    }
    var groups = { within: [], watch: [], outside: [], own: [] };
    d.points.forEach(function (p) {
      var key = "within";
      if (p.own) { key = "own"; }
      else if (p.status === "high_998" || p.status === "low_998") { key = "outside"; }
      else if (p.status === "high_95" || p.status === "low_95") { key = "watch"; }
      groups[key].push(p);
    });
    [["within", "Within the 95% limits", NHS_BLUE, "circle", 9],
     ["watch", "Between the 95% and 99.8% limits", ORANGE, "square", 10],
     ["outside", "Beyond the 99.8% limits", RED, "diamond", 12],
     ["own", "Your practice", NHS_DARK, "star", 16]].forEach(function (g) {
      var pts = groups[g[0]];
      if (!pts.length) { return; }
      traces.push({ type: "scatter", mode: "markers", name: g[1],
        x: pts.map(function (p) { return p.x; }), y: pts.map(function (p) { return p.y; }),
        text: pts.map(function (p) { return p.label; }),
        hovertemplate: "%{text}<br>%{x:,} patients: %{y:.1f} per 1,000<extra></extra>",
        marker: { color: g[2], symbol: g[3], size: g[4], line: { color: "#fff", width: 1 } } });
    });
    Plotly.newPlot(el, traces, layout({
      hovermode: "closest",
      xaxis: { title: { text: "Registered patients (list at 1 April)" }, separatethousands: true },
      yaxis: { title: { text: "Per 1,000 patients, year to date" }, rangemode: "tozero" }
    }), CONFIG);
  }

  var DRAW = { monthly: monthly, cumulative: cumulative, heatmap: heatmap, funnel: funnel };

  function drawAll() {
    if (typeof Plotly === "undefined") { return; }
    var charts = document.querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(charts, function (el) {
      var draw = DRAW[el.getAttribute("data-chart")];
      var d = data(el);
      if (draw && d) {
        draw(el, d);
        el.setAttribute("data-drawn", "true");
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
