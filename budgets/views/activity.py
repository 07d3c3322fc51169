"""Pages for tariffs, extract uploads (with their data-quality reports) and costed activity."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import redirect
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from budgets import selectors, services
from budgets.choices import TariffKind, UploadStatus
from budgets.filters import ActivityFilter, AdmittedTariffFilter, UploadFilter
from budgets.forms import ExtractUploadForm, TariffImportForm
from budgets.models import AdmittedTariff, AeTariff, MarketForcesFactor, OutpatientTariff
from pbc.exceptions import ApplicationError
from pbc.exports import csv_response
from pbc.mixins import PbcPermissionMixin
from pbc.money import pence_to_str
from pbc.selectors import home_pct
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


class TariffListView(PbcPermissionMixin, ListView):
    permission_required = "budgets.view_tariffversion"
    template_name = "budgets/tariff_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.tariff_version_list(user=self.request.user)


class TariffDetailView(PbcPermissionMixin, DetailView):
    permission_required = "budgets.view_tariffversion"
    template_name = "budgets/tariff_detail.html"
    context_object_name = "version"

    def get_object(self, queryset=None):
        return selectors.tariff_version_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        admitted = AdmittedTariffFilter(
            self.request.GET or None, queryset=AdmittedTariff.objects.filter(tariff=self.object)
        )
        ctx["filter"] = admitted
        ctx["admitted"] = (admitted.qs if admitted.is_bound and admitted.is_valid() else admitted.queryset)[
            :200
        ]
        ctx["outpatient"] = OutpatientTariff.objects.filter(tariff=self.object)[:200]
        ctx["ae"] = AeTariff.objects.filter(tariff=self.object)[:200]
        ctx["mff"] = MarketForcesFactor.objects.filter(tariff=self.object)
        return ctx


class TariffImportView(PbcPermissionMixin, FormView):
    permission_required = "budgets.import_tariff"
    template_name = "budgets/tariff_import.html"
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
        return redirect("budgets:tariff_detail", pk=version.pk)


class UploadListView(FilteredListView):
    permission_required = "budgets.view_extractupload"
    template_name = "budgets/upload_list.html"
    filterset_class = UploadFilter
    model = UploadFilter._meta.model

    def get_queryset(self):
        qs = selectors.upload_list(user=self.request.user)
        fs = UploadFilter(self.request.GET or None, queryset=qs)
        return fs.qs if fs.is_bound and fs.is_valid() else qs


class UploadCreateView(PbcPermissionMixin, FormView):
    permission_required = "budgets.upload_extract"
    template_name = "budgets/upload_form.html"
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
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.info(self.request, f"{upload.name} was received and is being processed.")
        return redirect("budgets:upload_detail", pk=stored.pk)


class UploadDetailView(PbcPermissionMixin, DetailView):
    permission_required = "budgets.view_extractupload"
    context_object_name = "upload"

    def get_template_names(self):
        return (
            ["budgets/partials/upload_status.html"] if self.request.htmx else ["budgets/upload_detail.html"]
        )

    def get_object(self, queryset=None):
        return selectors.upload_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        upload = self.object
        ctx["in_progress"] = upload.status in (UploadStatus.PENDING, UploadStatus.RUNNING)
        ctx["problems"] = upload.problem_rows.all()[:50]
        ctx["can_retry"] = upload.status == UploadStatus.FAILED and self.request.user.has_perm(
            "budgets.upload_extract"
        )
        return ctx


class UploadProblemsCsvView(PbcPermissionMixin, View):
    permission_required = "budgets.view_extractupload"

    def get(self, request, pk):
        upload = selectors.upload_get(user=request.user, pk=pk)
        rows = list(upload.problem_rows.all())
        fields = sorted({k for r in rows for k in r.fields})
        return csv_response(
            f"upload-{upload.pk}-problem-rows.csv",
            ["line", "outcome", "reason", *fields],
            ([r.line_no, r.outcome, r.reason, *[r.fields.get(f) for f in fields]] for r in rows),
        )


class UploadRetryView(PbcPermissionMixin, View):
    permission_required = "budgets.upload_extract"

    def post(self, request, pk):
        upload = selectors.upload_get(user=request.user, pk=pk)
        try:
            services.extract_upload_retry(upload=upload, actor=request.user)
            messages.info(request, "The upload is being processed again.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("budgets:upload_detail", pk=upload.pk)


ACTIVITY_GROUPING = ("practice_code", "month", "pod", "provider", "tretspef", "outcome")


class ActivityListView(FilteredListView):
    permission_required = "budgets.view_activityaggregate"
    template_name = "budgets/activity_list.html"
    filterset_class = ActivityFilter
    model = ActivityFilter._meta.model
    paginate_by = 100

    def get_queryset(self):
        return (
            selectors.activity_list(user=self.request.user, filters=self.request.GET)
            .values(*ACTIVITY_GROUPING)
            .annotate(activity_total=Sum("activity"), cost_total=Sum("cost_pence"))
            .order_by(*ACTIVITY_GROUPING)
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return csv_response(
                "activity.csv",
                [
                    "practice",
                    "month",
                    "pod",
                    "provider",
                    "treatment_function",
                    "outcome",
                    "activity",
                    "cost_gbp",
                ],
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
        return super().get(request, *args, **kwargs)
