"""Pages of budget setting: versions, their calculation and explanation, what-ifs, publication, categories."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from activity.views import _form_errors
from budgets import selectors, services
from budgets.choices import BudgetStatus, RiskMode
from budgets.forms import (
    AdjustmentForm,
    BudgetSetForm,
    CategoryForm,
    NeedWeightsForm,
    OptionalReasonForm,
    ReasonForm,
    WhatIfForm,
)
from budgets.methodology import STEP_LABELS, STEP_ORDER
from budgets.models import BudgetAdjustment, BudgetCategory, BudgetLine, BudgetSet
from budgets.views.common import user_pct, year_from
from pbc.exceptions import ApplicationError
from pbc.labels import treatment_function_label
from pbc.mixins import PbcPermissionMixin
from pbc.models import FinancialYear, Practice
from pbc.selectors import practice_get
from pbc.tables import Link, Table, TablesMixin, money


class BudgetHomeView(PbcPermissionMixin, View):
    """Budgets: PCT roles see the versions; practices and localities see their practices' budgets."""

    permission_required = "budgets.view_budgetline"

    def get(self, request):
        if request.user.has_perm("budgets.view_budgetset"):
            return redirect("budgets:budget_set_list")
        return redirect("budgets:practice_budget_list")


class BudgetSetListView(PbcPermissionMixin, TemplateView):
    permission_required = "budgets.view_budgetset"
    template_name = "budgets/budget_set_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sets = list(selectors.budget_set_list(user=self.request.user, filters=self.request.GET or None))
        by_year = defaultdict(list)
        for budget_set in sets:
            by_year[budget_set.year].append(budget_set)
        ctx["by_year"] = sorted(by_year.items(), key=lambda item: -item[0].start_year)
        ctx["can_create"] = self.request.user.has_perm("budgets.add_budgetset")
        return ctx


class BudgetSetCreateView(PbcPermissionMixin, FormView):
    permission_required = "budgets.add_budgetset"
    template_name = "budgets/budget_set_form.html"
    form_class = BudgetSetForm

    def get_initial(self):
        initial = super().get_initial()
        year = FinancialYear.objects.filter(start_year=self.request.GET.get("year", "")[:4] or 0).first()
        if year:
            initial["year"] = year
        return initial

    def form_valid(self, form):
        try:
            budget_set = services.budget_set_create(
                pct=user_pct(self.request.user),
                year=form.cleaned_data["year"],
                actor=self.request.user,
                reason=form.cleaned_data.get("reason") or "",
                **form.parameters(),
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Version {budget_set.version} of {budget_set.year} calculated.")
        return redirect("budgets:budget_set_detail", pk=budget_set.pk)


class BudgetSetMixin(PbcPermissionMixin):
    permission_required = "budgets.view_budgetset"

    def dispatch(self, request, *args, **kwargs):
        # Capability first (403), then scope (404): load only for a user who may use the page.
        if request.user.is_authenticated and request.user.has_perms(self.get_permission_required()):
            self.budget_set = selectors.budget_set_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


def _practice_table(budget_set: BudgetSet, lines, practices: dict[int, Practice]) -> Table:
    codes = [c["code"] for c in budget_set.categories]
    by_practice: dict[int, dict[str, int]] = defaultdict(dict)
    for practice_id, category, final in lines:
        by_practice[practice_id][category] = final
    rows = []
    totals = dict.fromkeys(codes, 0)
    for practice_id, cats in sorted(by_practice.items(), key=lambda item: practices[item[0]].code):
        practice = practices[practice_id]
        url = reverse("budgets:practice_budget", kwargs={"code": practice.code}) + f"?version={budget_set.pk}"
        rows.append(
            [
                Link(practice.code, url),
                practice.name,
                practice.locality.name if practice.locality else "",
                *(money(cats.get(c, 0)) for c in codes),
                money(sum(cats.values())),
            ]
        )
        for c in codes:
            totals[c] += cats.get(c, 0)
    return Table(
        slug="practices",
        title="Budgets by practice",
        headers=["Practice", "Name", "Locality", *codes, "Total"],
        rows=rows,
        total=["Total", "", "", *(money(totals[c]) for c in codes), money(sum(totals.values()))],
        caption=f"Indicative budgets by practice and category, {budget_set}",
    )


class BudgetSetDetailView(TablesMixin, BudgetSetMixin, TemplateView):
    template_name = "budgets/budget_set_detail.html"

    def get_export_name(self):
        return f"budgets-{self.budget_set.year.label.replace('/', '-')}-v{self.budget_set.version}"

    def get_tables(self):
        budget_set = self.budget_set
        lines = list(
            BudgetLine.objects.filter(budget_set=budget_set).values_list(
                "practice_id", "category", "final_pence"
            )
        )
        practices = {
            p.pk: p
            for p in Practice.objects.filter(pk__in={pid for pid, _, _ in lines}).select_related("locality")
        }
        steps = Table(
            slug="steps",
            title="Build-up (all practices)",
            headers=["Step", "Practice total after the step"],
            rows=[[STEP_LABELS[name], money(budget_set.step_totals.get(name, 0))] for name in STEP_ORDER],
        )
        holdings = (
            list(budget_set.holdings.all())
            if self.request.user.has_perm("budgets.view_budgetholding")
            else []
        )
        central = Table(
            slug="central",
            title="Held centrally",
            headers=["Holding", "Category", "Rule", "Before scaling", "Final"],
            rows=[
                [
                    h.get_kind_display(),
                    h.category,
                    h.rule,
                    money(h.before_scaling_pence),
                    money(h.final_pence),
                ]
                for h in holdings
            ],
            total=[
                "Total",
                "",
                "",
                money(sum(h.before_scaling_pence for h in holdings)),
                money(budget_set.central_total_pence),
            ],
        )
        return [_practice_table(budget_set, lines, practices), steps, central]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        budget_set = self.budget_set
        tables = self.get_tables()
        ctx.update(
            budget_set=budget_set,
            tables_for_export=tables,
            practice_table=tables[0],
            steps_table=tables[1],
            central_table=tables[2],
            adjustments=budget_set.adjustments.select_related("practice").order_by(
                "practice__code", "category"
            )
            if user.has_perm("budgets.view_budgetadjustment")
            else [],
            transitions=budget_set.transitions.select_related("actor").order_by("at", "pk")
            if user.has_perm("budgets.view_budgetsettransition")
            else [],
            can_change=budget_set.status == BudgetStatus.DRAFT and user.has_perm("budgets.change_budgetset"),
            can_approve=budget_set.status == BudgetStatus.DRAFT
            and user.has_perm("budgets.approve_budgetset"),
            can_reopen=budget_set.status == BudgetStatus.APPROVED
            and user.has_perm("budgets.approve_budgetset"),
            can_publish=budget_set.status == BudgetStatus.APPROVED
            and user.has_perm("budgets.publish_budgetset"),
            can_revise=budget_set.status in (BudgetStatus.PUBLISHED, BudgetStatus.SUPERSEDED)
            and user.has_perm("budgets.add_budgetset"),
            adjustment_form=AdjustmentForm(),
            weights_form=NeedWeightsForm(),
            reason_form=ReasonForm(),
            note_form=OptionalReasonForm(),
            categories=budget_set.categories,
        )
        return ctx


class DraftOnlyMixin:
    """Pages that change a version: only a draft can be changed; otherwise back to the version."""

    def get(self, request, *args, **kwargs):
        if self.budget_set.status != BudgetStatus.DRAFT:
            messages.error(
                request, "Only a draft can be changed: start a new version to change published budgets."
            )
            return redirect("budgets:budget_set_detail", pk=self.budget_set.pk)
        return super().get(request, *args, **kwargs)


class BudgetSetUpdateView(DraftOnlyMixin, BudgetSetMixin, FormView):
    permission_required = "budgets.change_budgetset"
    template_name = "budgets/budget_set_form.html"

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        return BudgetSetForm(data, editing=True, initial=BudgetSetForm.initial_from(self.budget_set))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["budget_set"] = self.budget_set
        return ctx

    def form_valid(self, form):
        try:
            services.budget_set_update(
                budget_set=self.budget_set, actor=self.request.user, **form.parameters()
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The parameters were changed and the budgets recalculated.")
        return redirect("budgets:budget_set_detail", pk=self.budget_set.pk)


class BudgetSetTransitionView(BudgetSetMixin, View):
    """POST approve / reopen / publish."""

    ACTIONS = {
        "approve": ("budgets.approve_budgetset", services.budget_set_approve, "approved"),
        "reopen": ("budgets.approve_budgetset", services.budget_set_reopen, "sent back to draft"),
        "publish": ("budgets.publish_budgetset", services.budget_set_publish, "published to practices"),
    }

    def get_permission_required(self):
        action = self.ACTIONS.get(self.kwargs.get("action"))
        return (action[0],) if action else ("budgets.approve_budgetset",)

    def post(self, request, pk, action):
        if action not in self.ACTIONS:
            raise Http404("No such action.")
        _, service, done = self.ACTIONS[action]
        try:
            service(budget_set=self.budget_set, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, f"Version {self.budget_set.version} {done}.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("budgets:budget_set_detail", pk=pk)


class BudgetSetReviseView(BudgetSetMixin, FormView):
    permission_required = "budgets.add_budgetset"
    template_name = "budgets/budget_set_revise.html"
    form_class = ReasonForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["budget_set"] = self.budget_set
        return ctx

    def form_valid(self, form):
        try:
            new = services.budget_set_revise(
                budget_set=self.budget_set, actor=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Version {new.version} started from version {self.budget_set.version}."
        )
        return redirect("budgets:budget_set_detail", pk=new.pk)


class BudgetAdjustmentCreateView(BudgetSetMixin, View):
    permission_required = "budgets.add_budgetadjustment"

    def post(self, request, pk):
        form = AdjustmentForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {errors[0]}")
            return redirect("budgets:budget_set_detail", pk=pk)
        try:
            practice = Practice.objects.get(
                pct=self.budget_set.pct, code=form.cleaned_data["practice"].upper()
            )
        except Practice.DoesNotExist:
            messages.error(request, f"{form.cleaned_data['practice']} is not a practice of the PCT.")
            return redirect("budgets:budget_set_detail", pk=pk)
        try:
            services.budget_adjustment_add(
                budget_set=self.budget_set,
                practice=practice,
                category=form.cleaned_data["category"],
                amount_pence=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            messages.success(request, "Adjustment added and the budgets recalculated.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("budgets:budget_set_detail", pk=pk)


class BudgetAdjustmentDeleteView(BudgetSetMixin, View):
    permission_required = "budgets.delete_budgetadjustment"

    def post(self, request, pk, adjustment_pk):
        adjustment = BudgetAdjustment.objects.filter(budget_set=self.budget_set, pk=adjustment_pk).first()
        if adjustment is None:
            raise Http404("No such adjustment.")
        try:
            services.budget_adjustment_remove(adjustment=adjustment, actor=request.user)
            messages.success(request, "Adjustment removed and the budgets recalculated.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("budgets:budget_set_detail", pk=pk)


class NeedWeightsUploadView(DraftOnlyMixin, BudgetSetMixin, FormView):
    permission_required = "budgets.change_budgetset"
    template_name = "budgets/need_weights_form.html"
    form_class = NeedWeightsForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["budget_set"] = self.budget_set
        return ctx

    def form_valid(self, form):
        try:
            services.budget_set_need_weights_upload(
                budget_set=self.budget_set, data=form.cleaned_data["file"].read(), actor=self.request.user
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Need weights loaded and the budgets recalculated.")
        return redirect("budgets:budget_set_detail", pk=self.budget_set.pk)


class WhatIfView(TablesMixin, BudgetSetMixin, TemplateView):
    """The whole PCT under other parameters: winners and losers per practice. Nothing is saved."""

    template_name = "budgets/what_if.html"

    def get_export_name(self):
        return f"what-if-{self.budget_set.year.label.replace('/', '-')}-v{self.budget_set.version}"

    def _result(self):
        if hasattr(self, "_cached"):
            return self._cached
        form = WhatIfForm(self.request.GET or None)
        result = None
        error = None
        if form.is_bound and form.is_valid() and any(v is not None for v in form.cleaned_data.values()):
            values = form.cleaned_data
            try:
                result = selectors.budget_set_what_if(
                    budget_set=self.budget_set,
                    uplift_pct=values["uplift_pct"],
                    pace_of_change_pct=values["pace_of_change_pct"],
                    risk_top_slice_pct=values["risk_top_slice_pct"],
                    risk_mode=RiskMode.TOP_SLICE
                    if values["risk_top_slice_pct"]
                    else (
                        RiskMode.NONE
                        if values["risk_top_slice_pct"] == 0
                        and self.budget_set.risk_mode == RiskMode.TOP_SLICE
                        else None
                    ),
                )
            except ApplicationError as exc:
                error = exc.message
        self._cached = (form, result, error)
        return self._cached

    def get_tables(self):
        _, result, _ = self._result()
        if result is None:
            return []
        names = dict(Practice.objects.filter(pct=self.budget_set.pct).values_list("code", "name"))

        def rows(items):
            return [
                [
                    r.practice_code,
                    names.get(r.practice_code, ""),
                    money(r.old_pence),
                    money(r.new_pence),
                    money(r.difference_pence),
                    r.difference_pct,
                ]
                for r in items
            ]

        headers = ["Practice", "Name", "Budget now", "Under the what-if", "Difference", "Difference %"]
        return [
            Table(slug="winners", title="Winners", headers=headers, rows=rows(result.winners)),
            Table(slug="losers", title="Losers", headers=headers, rows=rows(result.losers)),
            Table(slug="unchanged", title="Unchanged", headers=headers, rows=rows(result.unchanged)),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form, result, error = self._result()
        if error:
            form.add_error(None, error)
        ctx.update(budget_set=self.budget_set, form=form, result=result, tables=self.get_tables())
        return ctx


# --- practice budgets -----------------------------------------------------------------------------------


class PracticeBudgetListView(TablesMixin, PbcPermissionMixin, TemplateView):
    """The published budgets of the practices a user may see, for a year."""

    permission_required = "budgets.view_budgetline"
    template_name = "budgets/practice_budget_list.html"
    export_name = "practice-budgets"

    def _year(self):
        pct = user_pct(self.request.user)
        years = list(
            FinancialYear.objects.filter(budget_sets__pct=pct, budget_sets__status=BudgetStatus.PUBLISHED)
            .distinct()
            .order_by("-start_year")
        )
        return years, year_from(self.request, choices=years)

    def get_tables(self):
        _, year = self._year()
        lines = (
            selectors.budget_line_list(
                user=self.request.user, filters={"year": year.label} if year else {"year": "0"}
            )
            .values("practice__code", "practice__name")
            .annotate(total=Sum("final_pence"), n=Count("pk"))
            .order_by("practice__code")
        )
        rows = [
            [
                Link(
                    r["practice__code"],
                    reverse("budgets:practice_budget", kwargs={"code": r["practice__code"]})
                    + f"?year={year.label}",
                ),
                r["practice__name"],
                money(r["total"]),
            ]
            for r in lines
        ]
        return [
            Table(
                slug="budgets",
                title="Published budgets",
                headers=["Practice", "Name", "Indicative budget"],
                rows=rows,
                total=["Total", "", money(sum(int(r[2]) for r in rows))],
            )
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        years, year = self._year()
        tables = self.get_tables()
        ctx.update(years=years, year=year, table=tables[0], table_list=tables)
        return ctx


class PracticeBudgetView(TablesMixin, PbcPermissionMixin, TemplateView):
    """How a practice's budget was built: every step, by category, with its rule and figures."""

    permission_required = "budgets.view_budgetline"
    template_name = "budgets/practice_budget.html"

    def _load(self):
        if hasattr(self, "_loaded"):
            return self._loaded
        user = self.request.user
        practice = practice_get(user=user, code=self.kwargs["code"])
        version = self.request.GET.get("version")
        if version:
            if not version.isdigit():
                raise Http404("No such version.")
            budget_set = (
                selectors.budget_set_list(user=user).filter(pk=int(version), pct=practice.pct).first()
            )
            if budget_set is None:
                # Practices and localities do not see the PCT-wide versions, only their own published lines.
                budget_set = (
                    BudgetSet.objects.filter(
                        pk=int(version), pct=practice.pct, status__in=("published", "superseded")
                    )
                    .select_related("year", "published_by")
                    .first()
                )
        else:
            years = list(
                FinancialYear.objects.filter(
                    budget_sets__pct=practice.pct, budget_sets__status=BudgetStatus.PUBLISHED
                )
                .distinct()
                .order_by("-start_year")
            )
            year = year_from(self.request, choices=years)
            budget_set = (
                BudgetSet.objects.filter(pct=practice.pct, year=year, status=BudgetStatus.PUBLISHED)
                .select_related("year", "published_by")
                .first()
                if year
                else None
            )
            if budget_set is None and year is not None and selectors.sees_drafts(user):
                budget_set = selectors.budget_set_current(user=user, year=year, pct=practice.pct)
        if budget_set is None:
            raise Http404("No published budget for this practice and year.")
        lines = selectors.practice_budget_lines(user=user, practice=practice, budget_set=budget_set)
        self._loaded = (practice, budget_set, lines)
        return self._loaded

    def get_export_name(self):
        practice, budget_set, _ = self._load()
        return f"budget-{practice.code}-{budget_set.year.label.replace('/', '-')}-v{budget_set.version}"

    def get_tables(self):
        practice, budget_set, lines = self._load()
        names = {c["code"]: c["name"] for c in budget_set.categories}
        after = {line.pk: {step["name"]: step["after_pence"] for step in line.steps} for line in lines}
        summary = Table(
            slug="summary",
            title="Budget by category",
            headers=["Category", "Name", "Held", *(STEP_LABELS[s] for s in STEP_ORDER), "Final budget"],
            rows=[
                [
                    line.category,
                    names.get(line.category, ""),
                    "practice" if line.devolved else "locality",
                    *(money(after[line.pk].get(name)) for name in STEP_ORDER),
                    money(line.final_pence),
                ]
                for line in lines
            ],
            total=[
                "Total",
                "",
                "",
                *(money(sum(after[line.pk].get(name, 0) for line in lines)) for name in STEP_ORDER),
                money(sum(line.final_pence for line in lines)),
            ],
            caption="After each step, by category",
        )
        steps = Table(
            slug="steps",
            title="Steps and rules",
            headers=["Category", "Step", "Rule", "Before", "Change", "After"],
            rows=[
                [
                    line.category,
                    s["label"],
                    s["rule"],
                    money(s["before_pence"]),
                    money(s["change_pence"]),
                    money(s["after_pence"]),
                ]
                for line in lines
                for s in line.steps
            ],
        )
        return [summary, steps]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        practice, budget_set, lines = self._load()
        names = {c["code"]: c["name"] for c in budget_set.categories}
        tables = self.get_tables()
        ctx.update(
            practice=practice,
            budget_set=budget_set,
            lines=[(line, names.get(line.category, line.category)) for line in lines],
            total=sum(line.final_pence for line in lines),
            devolved_total=sum(line.final_pence for line in lines if line.devolved),
            summary_table=tables[0],
            tables_for_export=tables,
            other_versions=BudgetSet.objects.filter(
                pct=practice.pct, year=budget_set.year, status__in=("published", "superseded")
            ).order_by("-version")
            if budget_set.status in ("published", "superseded")
            else [],
        )
        return ctx


# --- categories -----------------------------------------------------------------------------------------


class CategoryListView(TablesMixin, PbcPermissionMixin, FormView):
    permission_required = "budgets.view_budgetcategory"
    template_name = "budgets/category_list.html"
    form_class = CategoryForm
    export_name = "budget-categories"

    def _year(self):
        years = list(FinancialYear.objects.order_by("-start_year"))
        return year_from(self.request, choices=years, default=None)

    def get_initial(self):
        return {"year": self._year()}

    def _categories(self):
        year = self._year()
        if (
            year is not None
            and self.request.user.has_perm("budgets.add_budgetcategory")
            and not BudgetCategory.objects.filter(pct=user_pct(self.request.user), year=year).exists()
        ):  # PCT finance starts from the default categories; others see what has been set
            services.budget_categories_for(
                pct=user_pct(self.request.user), year=year, actor=self.request.user
            )
        return selectors.budget_category_list(
            user=self.request.user, filters={"year": year.label} if year else None
        ).order_by("position", "code")

    def get_tables(self):
        rows = [
            [
                Link(c.code, reverse("budgets:category_update", kwargs={"pk": c.pk}))
                if self.request.user.has_perm("budgets.change_budgetcategory")
                else c.code,
                c.name,
                ", ".join(c.pods) or "any",
                ", ".join(treatment_function_label(t) for t in c.tretspefs) or "—",
                "practice" if c.devolved else "locality / consortium",
            ]
            for c in self._categories()
        ]
        return [
            Table(
                slug="categories",
                title="Budget categories",
                headers=["Code", "Name", "Points of delivery", "Treatment functions", "Held at"],
                rows=rows,
            )
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        tables = self.get_tables()
        ctx.update(
            year=self._year(),
            years=list(FinancialYear.objects.order_by("-start_year")),
            table=tables[0],
            table_list=tables,
            can_change=self.request.user.has_perm("budgets.add_budgetcategory"),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("budgets.add_budgetcategory"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Your role does not allow changing categories.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            category = services.budget_category_create(
                pct=user_pct(self.request.user),
                year=data["year"],
                code=data["code"],
                name=data["name"],
                pods=data["pods"],
                tretspefs=data["tretspefs"],
                devolved=data["devolved"],
                actor=self.request.user,
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        except Exception as exc:  # ValidationError from full_clean
            from django.core.exceptions import ValidationError

            if not isinstance(exc, ValidationError):
                raise
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, f"Category {category.code} added to {category.year}.")
        return redirect(f"{reverse('budgets:category_list')}?year={category.year.label}")


class CategoryUpdateView(PbcPermissionMixin, FormView):
    permission_required = "budgets.change_budgetcategory"
    template_name = "budgets/category_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_perms(self.get_permission_required()):
            qs = selectors.budget_category_list(user=request.user)
            self.category = qs.filter(pk=kwargs["pk"]).first()
            if self.category is None:
                raise Http404("No such category.")
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        c = self.category
        return CategoryForm(
            self.request.POST if self.request.method == "POST" else None,
            editing=True,
            initial={
                "name": c.name,
                "pods": c.pods,
                "tretspefs": ", ".join(c.tretspefs),
                "devolved": c.devolved,
            },
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["category"] = self.category
        return ctx

    def form_valid(self, form):
        from django.core.exceptions import ValidationError

        data = form.cleaned_data
        try:
            services.budget_category_update(
                category=self.category,
                actor=self.request.user,
                name=data["name"],
                pods=data["pods"],
                tretspefs=data["tretspefs"],
                devolved=data["devolved"],
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Category {self.category.code} changed; it applies to the next version."
        )
        return redirect(f"{reverse('budgets:category_list')}?year={self.category.year.label}")
