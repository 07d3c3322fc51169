"""Pages of referrals: referral rates with funnel-plot positions (CSV/Excel), and referral extract uploads."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views.generic import FormView, ListView, TemplateView

from activity.referrals import selectors, services
from activity.referrals.filters import ReferralRateFilter
from activity.referrals.forms import ReferralUploadForm
from activity.validation.views import _form_error
from pbc.exceptions import ApplicationError
from pbc.mixins import PbcPermissionMixin
from pbc.selectors import home_pct
from pbc.tables import Table, TablesMixin

RATE_HEADERS = ["Practice", "Locality", "Specialty", "Month", "Source", "Referrals", "List size", "Rate per 1,000",
                "YTD referrals", "YTD rate per 1,000", "Peer median", "Locality median", "Funnel (PCT)",
                "Funnel (locality)"]  # fmt: skip


class ReferralRateListView(PbcPermissionMixin, TablesMixin, TemplateView):
    """Referral rates per practice × specialty × month, with the peer median and funnel-plot positions
    against the locality and the PCT; the filtered rows download as CSV or Excel."""

    permission_required = "activity.view_referral"
    template_name = "activity/referrals/rate_list.html"
    export_name = "referral-rates"

    def _rows(self) -> tuple[ReferralRateFilter, list[dict]]:
        form = ReferralRateFilter(self.request.GET)
        if not form.is_valid():
            return form, []
        return form, selectors.referral_rate_rows(user=self.request.user, **form.query())

    def get_tables(self):
        _, rows = self._rows()
        return [
            Table(
                slug="rates",
                title="Referral rates",
                headers=RATE_HEADERS,
                rows=[
                    [
                        r["practice"],
                        r["locality"],
                        r["specialty"],
                        r["month"].strftime("%Y-%m"),
                        r["source"],
                        r["referrals"],
                        r["list_size"],
                        r["rate_per_1000"],
                        r["ytd_referrals"],
                        r["ytd_rate_per_1000"],
                        r["peer_median"],
                        r["locality_median"],
                        r["funnel_pct"] or "",
                        r["funnel_locality"] or "",
                    ]
                    for r in rows
                ],  # fmt: skip
            )
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form, rows = self._rows()
        page = Paginator(rows, 100).get_page(self.request.GET.get("page"))
        ctx.update(
            form=form,
            page_obj=page,
            rows=page.object_list,
            is_paginated=page.has_other_pages(),
            year=form.cleaned_data.get("financial_year") if form.is_valid() else None,
            origins=sorted({r["origin"] for r in rows}),
        )
        return ctx


class ReferralUploadListView(PbcPermissionMixin, ListView):
    permission_required = "activity.view_referralupload"
    template_name = "activity/referrals/upload_list.html"
    context_object_name = "uploads"
    paginate_by = 50

    def get_queryset(self):
        return selectors.referral_upload_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_upload"] = self.request.user.has_perm("activity.upload_referrals")
        return ctx


class ReferralUploadCreateView(PbcPermissionMixin, FormView):
    permission_required = "activity.upload_referrals"
    template_name = "activity/referrals/upload_form.html"
    form_class = ReferralUploadForm

    def form_valid(self, form):
        pct = home_pct(user=self.request.user)
        upload = form.cleaned_data["file"]
        try:
            if pct is None:
                raise ApplicationError(
                    "You are not a member of a PCT, so there is nowhere to load referrals."
                )
            stored = services.referral_upload_create(
                pct=pct, upload=upload, filename=upload.name, actor=self.request.user
            )
        except ApplicationError as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{upload.name}: {stored.rows_loaded:,} of {stored.rows_read:,} referrals loaded."
        )
        return redirect("activity:referral_upload_detail", pk=stored.pk)


class ReferralUploadDetailView(PbcPermissionMixin, TemplateView):
    permission_required = "activity.view_referralupload"
    template_name = "activity/referrals/upload_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        upload = selectors.referral_upload_get(user=self.request.user, pk=kwargs["pk"])
        quality = upload.quality or {}
        ctx.update(
            upload=upload,
            outcomes=sorted((quality.get("by_outcome") or {}).items()),
            reasons=sorted((quality.get("by_reason") or {}).items()),
            problems=(quality.get("problem_lines") or [])[:200],
        )
        return ctx
