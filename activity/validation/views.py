"""Pages of validation: a practice's activity lines and its challenges, PCT decisions, monthly returns and
the query lists for providers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from activity.validation import selectors, services
from activity.validation.choices import ReturnStatus
from activity.validation.filters import ActivityChallengeFilter, ActivityLineFilter
from activity.validation.forms import ChallengeForm, DecisionForm, MonthCloseForm, ValidationReturnForm
from pbc.exceptions import ApplicationError
from pbc.fiscal import FinancialYear as FY
from pbc.fiscal import fy_of
from pbc.mixins import PbcPermissionMixin
from pbc.models import Practice
from pbc.permissions import scope_queryset
from pbc.selectors import home_pct
from pbc.tables import Table, TablesMixin, money
from pbc.views import FilteredListView

EXCEL_MAX_ROWS = 100_000


def _form_error(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
        return
    for field, msgs in (exc.extra.get("fields") or {}).items():
        if field in form.fields:
            form.add_error(field, msgs)
    form.add_error(None, exc.message)


LINE_HEADERS = ["Cost", "Challenge", "Practice", "Month", "Date", "Provider", "POD", "Treatment function",
                "HRG", "Record", "Line id"]  # fmt: skip


class ActivityLineListView(TablesMixin, FilteredListView):
    """Every published line costed to the practices in scope, searchable and filterable; the filtered set
    downloads as CSV or Excel."""

    permission_required = "activity.view_activityline"
    template_name = "activity/validation/line_list.html"
    filterset_class = ActivityLineFilter
    model = ActivityLineFilter._meta.model
    paginate_by = 100
    export_name = "activity-lines"

    def get_queryset(self):
        return selectors.activity_line_list(user=self.request.user, filters=self.request.GET)

    def get_tables(self):
        lines = self.get_queryset()[:EXCEL_MAX_ROWS]
        rows = [
            [money(x.cost_pence), x.challenge_status or "", x.practice_code, x.month.strftime("%Y-%m"),
             x.activity_date, x.provider, x.pod, x.tretspef, x.hrg, x.record_key, x.pk]
            for x in lines
        ]  # fmt: skip
        total = self.get_queryset().aggregate(cost=Sum("cost_pence"))["cost"] or 0
        return [
            Table(
                slug="lines", title="Activity lines", headers=LINE_HEADERS, rows=rows,
                total=[money(total), "Total", *[None] * (len(LINE_HEADERS) - 2)],
            )
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        totals = self.get_queryset().aggregate(cost=Sum("cost_pence"), lines=Count("pk"))
        ctx["totals"] = {"cost_pence": totals["cost"] or 0, "lines": totals["lines"]}
        ctx["can_challenge"] = self.request.user.has_perm("activity.add_activitychallenge")
        return ctx


class ChallengeCreateView(PbcPermissionMixin, FormView):
    permission_required = "activity.add_activitychallenge"
    template_name = "activity/validation/challenge_form.html"
    form_class = ChallengeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(self.permission_required):
            self.line = selectors.activity_line_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "line": self.line}

    def form_valid(self, form):
        try:
            services.activity_challenge_create(
                line=self.line, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
                actor=self.request.user,
            )  # fmt: skip
        except (ApplicationError, ValidationError) as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Line {self.line.pk} challenged; the PCT will decide.")
        return redirect(
            f"{reverse('activity:line_list')}?practice={self.line.practice_code}&month={self.line.month:%Y-%m}"
        )


class ChallengeListView(FilteredListView):
    permission_required = "activity.view_activitychallenge"
    template_name = "activity/validation/challenge_list.html"
    filterset_class = ActivityChallengeFilter
    model = ActivityChallengeFilter._meta.model

    def get_queryset(self):
        return selectors.activity_challenge_list(user=self.request.user, filters=self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_decide"] = self.request.user.has_perm("activity.decide_activitychallenge")
        ctx["providers"] = (
            selectors.activity_challenge_list(user=self.request.user)
            .filter(status="accepted")
            .values("provider")
            .annotate(n=Count("pk"), cost=Sum("line__cost_pence"))
            .order_by("provider")
            if self.request.user.has_perm("activity.view_activityadjustment")
            else []
        )
        return ctx


class ChallengeDecideView(PbcPermissionMixin, FormView):
    permission_required = "activity.decide_activitychallenge"
    template_name = "activity/validation/challenge_decide.html"
    form_class = DecisionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perm(self.permission_required):
            self.challenge = selectors.activity_challenge_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "challenge": self.challenge}

    def form_valid(self, form):
        try:
            decided = services.activity_challenge_decide(
                challenge=self.challenge, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"],
                actor=self.request.user,
            )  # fmt: skip
        except (ApplicationError, ValidationError) as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Challenge {decided.pk} {decided.get_status_display().lower()}.")
        return redirect("activity:challenge_list")


QUERY_HEADERS = ["Cost", "Practice", "Month", "Date", "POD", "Treatment function", "HRG", "Record", "Reason",
                 "Practice note", "PCT note", "Accepted on", "Challenge"]  # fmt: skip


class ProviderQueryListView(PbcPermissionMixin, TablesMixin, View):
    """The accepted challenges of one provider: the query list sent to its contract manager (CSV/Excel)."""

    permission_required = "activity.view_activityadjustment"

    def get_export_name(self):
        return f"queries-{self.kwargs['provider'].upper()}"

    def get_tables(self):
        rows = [
            [money(c.line.cost_pence), c.practice.code, c.month.strftime("%Y-%m"), c.line.activity_date,
             c.line.pod, c.line.tretspef, c.line.hrg, c.line.record_key, c.get_reason_display(), c.note,
             c.decision_note, timezone.localtime(c.decided_at).date() if c.decided_at else None, c.pk]
            for c in selectors.provider_query_list(
                user=self.request.user, provider=self.kwargs["provider"], filters=self.request.GET
            )
        ]  # fmt: skip
        total = sum(int(r[0]) for r in rows)
        return [
            Table(
                slug="queries", title=f"Queries {self.kwargs['provider'].upper()}", headers=QUERY_HEADERS,
                rows=rows, total=[money(total), "Total", *[None] * (len(QUERY_HEADERS) - 2)],
            )
        ]  # fmt: skip

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") not in ("csv", "xlsx"):
            query = request.GET.copy()
            query["export"] = "csv"
            return redirect(f"{request.path}?{query.urlencode()}")
        return self.export_response(request)


def _year(request) -> FY:
    try:
        return FY.parse(request.GET["year"])
    except (KeyError, ValueError):
        return fy_of(timezone.localdate())


class ValidationReturnListView(PbcPermissionMixin, TemplateView):
    """Returned / late / missing per practice and month of a year, and the form to make a return."""

    permission_required = "activity.view_validationreturn"
    template_name = "activity/validation/return_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        year = _year(self.request)
        rows = selectors.validation_return_statuses(user=user, year=year)
        grid: dict[str, dict] = {}
        for row in rows:
            entry = grid.setdefault(row["practice"], {"practice": row["practice"], "name": row["practice_name"],
                                                      "months": []})  # fmt: skip
            entry["months"].append(row)
        counts = [(s.label, sum(1 for r in rows if r["status"] == s.value)) for s in ReturnStatus]
        practices = scope_queryset(Practice.objects.filter(pct__isnull=False), user).order_by("code")
        ctx.update(
            year=year, previous=year.previous(), next=year.next(), grid=list(grid.values()),
            months=[m for m in year.months() if m <= timezone.localdate()], counts=counts,
            form=kwargs.get("form") or ValidationReturnForm(practices=practices),
            close_form=MonthCloseForm(), can_return=user.has_perm("activity.add_validationreturn"),
            can_close=user.has_perm("activity.close_validation_month"),
        )  # fmt: skip
        return ctx


class ValidationReturnSubmitView(PbcPermissionMixin, View):
    permission_required = "activity.add_validationreturn"

    def post(self, request):
        practices = scope_queryset(Practice.objects.all(), request.user)
        form = ValidationReturnForm(request.POST, practices=practices)
        if form.is_valid():
            try:
                returned = services.validation_return_submit(
                    practice=form.cleaned_data["practice"], month=form.cleaned_data["month"],
                    actor=request.user, note=form.cleaned_data["note"],
                )  # fmt: skip
                messages.success(request, f"Validation return for {returned.month:%B %Y} made.")
                return redirect(f"{reverse('activity:validation_return_list')}?year={fy_of(returned.month)}")
            except (ApplicationError, ValidationError) as exc:
                _form_error(form, exc)
        for error in [*form.non_field_errors(), *[e for f in form for e in f.errors]]:
            messages.error(request, error)
        return redirect("activity:validation_return_list")


class ValidationMonthCloseView(PbcPermissionMixin, View):
    permission_required = "activity.close_validation_month"

    def post(self, request):
        form = MonthCloseForm(request.POST)
        pct = home_pct(user=request.user)
        if not form.is_valid() or pct is None:
            messages.error(request, "Give the month to close as YYYY-MM.")
            return redirect("activity:validation_return_list")
        try:
            services.validation_month_close(pct=pct, month=form.cleaned_data["month"], actor=request.user)
            messages.success(request, f"{form.cleaned_data['month']:%B %Y} is closed for challenges.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("activity:validation_return_list")
