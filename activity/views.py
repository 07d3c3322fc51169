"""Pages for tariffs, extract uploads (with their data-quality reports) and costed activity."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.shortcuts import redirect
from django.views import View
from django.views.generic import DetailView, FormView

from activity import selectors, services
from activity.choices import TariffKind, UploadStatus
from activity.exports import problem_rows_csv
from activity.filters import TARIFF_ROW_FILTERS, ActivityFilter, TariffVersionFilter, UploadFilter
from activity.forms import ExtractUploadForm, TariffImportForm
from pbc.exceptions import ApplicationError
from pbc.exports import csv_response
from pbc.mixins import PbcPermissionMixin
from pbc.money import pence_to_str
from pbc.selectors import home_pct
from pbc.tables import Table, TablesMixin, money
from pbc.views import FilteredListView


def _form_errors(form, exc: ApplicationError) -> None:
    fields = exc.extra.get("fields", {}) if isinstance(exc.extra, dict) else {}
    placed = False
    for name, msgs in fields.items():
        if name in form.fields:
            form.add_error(name, msgs[0] if isinstance(msgs, list) else str(msgs))
            placed = True
    if not placed or exc.message:
        form.add_error(None, exc.message)
    for error in (exc.extra.get("errors") or [])[:50] if isinstance(exc.extra, dict) else []:
        where = f"row {error.get('row')}" if error.get("row") else "file"
        column = f", {error['column']}" if error.get("column") else ""
        form.add_error(None, f"{where}{column}: {error.get('message')}")


class TariffListView(FilteredListView):
    permission_required = "activity.view_tariffversion"
    template_name = "activity/tariff_list.html"
    filterset_class = TariffVersionFilter
    model = TariffVersionFilter._meta.model
    paginate_by = 50

    def get_queryset(self):
        return selectors.tariff_version_list(user=self.request.user, filters=self.request.GET)


TARIFF_TABLE_ROWS = 100
# (kind, title, query-parameter prefix): the admitted table keeps the plain ``?q=``/``?page=`` it always had.
TARIFF_TABLES = (
    ("admitted", "Admitted (HRG spell tariffs)", ""),
    ("outpatient", "Outpatients", "op"),
    ("ae", "A&E", "ae"),
    ("mff", "Market forces factors", "mff"),
)


def _tariff_table(request, version, kind: str, title: str, prefix: str) -> dict:
    """One searchable, paginated table of a tariff version: its own search fields and ``page`` parameter,
    so searching or paging one table keeps the others where they were."""
    filterset = TARIFF_ROW_FILTERS[kind](
        request.GET or None,
        queryset=selectors.tariff_rows(version=version, kind=kind),
        prefix=prefix or None,
    )
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page_param = f"{prefix}-page" if prefix else "page"
    paginator = Paginator(rows, TARIFF_TABLE_ROWS)
    page = paginator.get_page(request.GET.get(page_param))
    query = request.GET.copy()
    query.pop(page_param, None)
    own = {filterset.form.add_prefix(name) for name in filterset.form.fields}
    keep = [(name, value) for name, values in query.lists() if name not in own for value in values]
    return {
        "slug": kind,
        "title": title,
        "filter": filterset,
        "page_obj": page,
        "rows": page.object_list,
        "page_param": page_param,
        "querystring": query.urlencode(),
        "keep": keep,
    }


class TariffDetailView(PbcPermissionMixin, DetailView):
    permission_required = "activity.view_tariffversion"
    template_name = "activity/tariff_detail.html"
    context_object_name = "version"

    def get_object(self, queryset=None):
        return selectors.tariff_version_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for kind, title, prefix in TARIFF_TABLES:
            ctx[kind] = _tariff_table(self.request, self.object, kind, title, prefix)
        return ctx


class TariffImportView(PbcPermissionMixin, FormView):
    permission_required = "activity.import_tariff"
    template_name = "activity/tariff_import.html"
    form_class = TariffImportForm

    def form_valid(self, form):
        files = {
            k: (form.cleaned_data[k].name, form.cleaned_data[k].read())
            for k in TariffKind.values
            if form.cleaned_data.get(k)
        }
        try:
            version = services.tariff_import(
                year=form.cleaned_data["year"],
                files=files,
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Imported {version}. Activity of {version.year} is being re-costed at it."
        )
        return redirect("activity:tariff_detail", pk=version.pk)


class UploadListView(FilteredListView):
    permission_required = "activity.view_extractupload"
    template_name = "activity/upload_list.html"
    filterset_class = UploadFilter
    model = UploadFilter._meta.model

    def get_queryset(self):
        qs = selectors.upload_list(user=self.request.user)
        fs = UploadFilter(self.request.GET or None, queryset=qs)
        return fs.qs if fs.is_bound and fs.is_valid() else qs


class UploadCreateView(PbcPermissionMixin, FormView):
    permission_required = "activity.upload_extract"
    template_name = "activity/upload_form.html"
    form_class = ExtractUploadForm

    def form_valid(self, form):
        pct = home_pct(user=self.request.user)
        upload = form.cleaned_data["file"]
        try:
            if pct is None:
                raise ApplicationError("You are not a member of a PCT, so there is nowhere to load activity.")
            stored = services.extract_upload_create(
                pct=pct,
                dataset=form.cleaned_data["dataset"],
                year=form.cleaned_data["year"],
                upload=upload,
                filename=upload.name,
                actor=self.request.user,
                confirm_restate=form.cleaned_data.get("confirm_restate", False),
            )
        except ApplicationError as exc:
            slices = exc.extra.get("slices") if isinstance(exc.extra, dict) else None
            if slices:  # the same diff the API answers, then the file chosen again with the box ticked
                form = self.get_form_class()(self.request.POST, self.request.FILES, restatement=slices)
                form.is_valid()
                form.add_error("confirm_restate", "Tick to confirm, and choose the file again.")
                form.add_error(None, exc.message)
                return self.render_to_response(self.get_context_data(form=form, restatement=slices))
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.info(self.request, f"{upload.name} was received and is being processed.")
        return redirect("activity:upload_detail", pk=stored.pk)


class UploadDetailView(PbcPermissionMixin, DetailView):
    permission_required = "activity.view_extractupload"
    context_object_name = "upload"

    def get_template_names(self):
        return (
            ["activity/partials/upload_status.html"] if self.request.htmx else ["activity/upload_detail.html"]
        )

    def get_object(self, queryset=None):
        return selectors.upload_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        upload = self.object
        ctx["in_progress"] = upload.status in (UploadStatus.PENDING, UploadStatus.RUNNING)
        ctx["problems"] = upload.problem_rows.filter(attempt=upload.attempts)[:50]
        ctx["can_retry"] = upload.status == UploadStatus.FAILED and self.request.user.has_perm(
            "activity.upload_extract"
        )
        return ctx


class UploadProblemsCsvView(PbcPermissionMixin, View):
    permission_required = "activity.view_extractupload"

    def get(self, request, pk):
        return problem_rows_csv(pk, selectors.problem_row_list(user=request.user, upload_pk=pk))


class UploadRetryView(PbcPermissionMixin, View):
    permission_required = "activity.upload_extract"

    def post(self, request, pk):
        upload = selectors.upload_get(user=request.user, pk=pk)
        try:
            services.extract_upload_retry(upload=upload, actor=request.user)
            messages.info(request, "The upload is being processed again.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("activity:upload_detail", pk=upload.pk)


ACTIVITY_GROUPING = ("practice_code", "month", "pod", "provider", "tretspef", "outcome")
ACTIVITY_HEADERS = [
    "practice",
    "month",
    "pod",
    "provider",
    "treatment_function",
    "outcome",
    "activity",
    "cost_gbp",
]
ACTIVITY_EXCEL_MAX_ROWS = 100_000


class ActivityListView(TablesMixin, FilteredListView):
    """Published costed activity, grouped; the filtered set downloads as CSV (every row, streamed) or as an
    Excel workbook whose total row is the page's total."""

    permission_required = "activity.view_activityaggregate"
    template_name = "activity/activity_list.html"
    filterset_class = ActivityFilter
    model = ActivityFilter._meta.model
    paginate_by = 100
    export_name = "activity"

    def _filtered(self):
        return selectors.activity_list(user=self.request.user, filters=self.request.GET)

    def get_queryset(self):
        return (
            self._filtered()
            .values(*ACTIVITY_GROUPING)
            .annotate(activity_total=Sum("activity"), cost_total=Sum("cost_pence"))
            .order_by(*ACTIVITY_GROUPING)
        )

    def totals(self) -> dict:
        totals = self._filtered().aggregate(activity=Sum("activity"), cost_pence=Sum("cost_pence"))
        return {"activity": totals["activity"] or 0, "cost_pence": totals["cost_pence"] or 0}

    def get_tables(self):
        groups = self.get_queryset()
        rows = [
            [
                r["practice_code"],
                r["month"],
                r["pod"],
                r["provider"],
                r["tretspef"],
                r["outcome"],
                r["activity_total"],
                money(r["cost_total"]),
            ]
            for r in groups[:ACTIVITY_EXCEL_MAX_ROWS]
        ]
        totals = self.totals()
        notes = []
        if len(rows) == ACTIVITY_EXCEL_MAX_ROWS and groups[ACTIVITY_EXCEL_MAX_ROWS:][:1].exists():
            notes.append(
                f"Only the first {ACTIVITY_EXCEL_MAX_ROWS:,} rows are listed; the total is of every row. "
                "Download the CSV for them all, or filter."
            )
        return [
            Table(
                slug="activity",
                title="Costed activity",
                headers=["Practice", "Month", "POD", "Provider", "Treatment function", "Outcome", "Activity",
                         "Cost"],
                rows=rows,
                total=["Total", None, None, None, None, None, totals["activity"], money(totals["cost_pence"])],
                notes=notes,
            )
        ]  # fmt: skip

    def csv_response(self):
        return csv_response(
            "activity.csv",
            ACTIVITY_HEADERS,
            (
                [
                    r["practice_code"],
                    r["month"],
                    r["pod"],
                    r["provider"],
                    r["tretspef"],
                    r["outcome"],
                    r["activity_total"],
                    pence_to_str(r["cost_total"]),
                ]
                for r in self.get_queryset().iterator()
            ),
        )

    def get(self, request, *args, **kwargs):
        # ``?format=csv`` is the address the page always offered; both stream every row, without a total.
        if request.GET.get("format") == "csv" or request.GET.get("export") == "csv":
            return self.csv_response()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["totals"] = self.totals()
        return ctx
