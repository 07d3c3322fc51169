"""Pages of freed-up resources (under /freed-resources/): PCT summary, practice statement, split schemes,
the calculator, declarations and their confirmation, and Excel/PDF exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from freed_resources import selectors, services
from freed_resources.forms import (
    BenefitForm,
    CalculateForm,
    ConfirmForm,
    DeclarationForm,
    SchemeForm,
    SpendForm,
)
from freed_resources.splits import PARTY_LABELS, READY_MADE_SCHEMES, SplitError, split_freed_resources
from pbc import selectors as pbc_selectors
from pbc.exceptions import ApplicationError
from pbc.exports import Money, Sheet, xlsx_response
from pbc.fiscal import fy_of
from pbc.mixins import PbcPermissionMixin
from pbc.models import FinancialYear

VIEW = "freed_resources.view_pot"


def _show_errors(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
        return
    for name, problems in (exc.extra.get("fields") or {}).items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, problems)
    form.add_error(None, exc.message)


def _year(start_year: int) -> FinancialYear:
    year = FinancialYear.objects.filter(start_year=start_year).first()
    if year is None:
        raise Http404("No such financial year.")
    return year


def _parts_table(result) -> list[dict]:
    return [
        {"party": party, "label": PARTY_LABELS[party], "pence": pence}
        for party, pence in result.parts().items()
    ]


class SummaryView(PbcPermissionMixin, TemplateView):
    """The PCT summary across practices and localities: declarations, pots, and a chart over time."""

    permission_required = "freed_resources.view_pct_summary"
    template_name = "freed_resources/summary.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        pots = list(selectors.pot_list(user=user, filters=self.request.GET))
        declarations = list(selectors.declaration_list(user=user).exclude(status="superseded")[:200])
        totals = {
            "declared": sum(p.declared_pence for p in pots),
            "committed": sum(p.committed_pence for p in pots),
            "spent": sum(p.spent_pence for p in pots),
            "remaining": sum(p.remaining_pence for p in pots),
        }
        return {
            **super().get_context_data(**kwargs),
            "pots": pots,
            "declarations": declarations,
            "totals": totals,
            "chart": selectors.pot_chart(pots=pots),
            "approved": selectors.approved_proposals(user=user),
        }


class SummaryXlsxView(SummaryView):
    def get(self, request, *args, **kwargs):
        context = self.get_context_data()
        sheet = Sheet(
            title="Pots",
            headers=["Owner", "Year", "Declared", "Committed", "Spent", "Remaining"],
            rows=[
                [
                    p.owner_label,
                    str(p.year),
                    Money(p.declared_pence),
                    Money(p.committed_pence),
                    Money(p.spent_pence),
                    Money(p.remaining_pence),
                ]
                for p in context["pots"]
            ],
        )
        return xlsx_response([sheet, _proposals_sheet(context["approved"])], "freed-resources-summary.xlsx")


class SummaryPdfView(SummaryView):
    """The PCT summary as a PDF (WeasyPrint, like the statements): pots, approved proposals, declarations."""

    def get(self, request, *args, **kwargs):
        from agreements.exports import pdf_response

        context = {
            **self.get_context_data(),
            "pct": pbc_selectors.home_pct(user=request.user),
            "generated": timezone.localtime(),
        }
        return pdf_response("freed_resources/pdf/summary.html", context, "freed-resources-summary.pdf")


def _proposals_sheet(proposals) -> Sheet:
    return Sheet(
        title="Proposals",
        headers=["Title", "Status", "Cost", "Committed", "Spent", "Benefit"],
        rows=[
            [
                p.title,
                p.get_status_display(),
                Money(p.cost_pence),
                Money(p.money.committed_pence),
                Money(p.money.spent_pence),
                p.benefit.status.label if p.benefit.status else "",
            ]
            for p in proposals
        ],
    )


class StatementMixin(PbcPermissionMixin):
    """A practice's statement, or (``locality`` in the URL's kwargs) a locality's or pooled consortium's."""

    permission_required = VIEW

    def statement(self) -> dict:
        user, code, year = self.request.user, self.kwargs["code"], _year(self.kwargs["year"])
        if self.kwargs.get("locality"):
            return selectors.statement(
                user=user, locality=pbc_selectors.locality_get(user=user, code=code), year=year
            )
        return selectors.statement(
            user=user, practice=selectors.practice_get(user=user, code=code), year=year
        )

    def filename(self, data: dict, ext: str) -> str:
        return f"freed-resources-{data['owner'].code}-{data['year'].start_year}.{ext}"


class StatementView(StatementMixin, TemplateView):
    """A freed-up resources statement: declaration, split, pot, proposals (spending, benefit), ledger, chart."""

    template_name = "freed_resources/statement.html"

    def get_context_data(self, **kwargs):
        data = self.statement()
        pots = [data["pot"]] if data["pot"] else []
        return {**super().get_context_data(**kwargs), **data, "chart": selectors.pot_chart(pots=pots)}


def _statement_sheets(data: dict) -> list[Sheet]:
    sheets = []
    d = data["declaration"]
    if d is not None:
        sheets.append(
            Sheet(
                title="Declaration",
                headers=["Category", "Budget", "Outturn", "Top-sliced", "Freed up"],
                rows=[
                    [
                        c["category"],
                        Money(c["budget_pence"]),
                        Money(c["outturn_pence"]),
                        Money(c["top_sliced_pence"]),
                        Money(c["freed_pence"]),
                    ]
                    for c in d.figures
                ],
                total=[
                    "Total",
                    Money(d.budget_pence),
                    Money(d.outturn_pence),
                    Money(d.top_sliced_pence),
                    Money(d.freed_pence),
                ],
                notes=[f"Version {d.version}, {d.get_status_display()}"],
            )
        )
    if d is not None and d.members:
        sheets.append(
            Sheet(
                title="Pool members",
                headers=["Member", "Contribution", "Overspent"],
                rows=[
                    [m["entity"], Money(m["contribution_pence"]), "yes" if m["overspent"] else ""]
                    for m in d.members
                ],
                total=["Pool", Money(d.freed_pence), ""],
            )
        )
    split = data["split"]
    if split is not None:
        sheets.append(
            Sheet(
                title="Split",
                headers=["Party", "Amount"],
                rows=[
                    [PARTY_LABELS["reward"], Money(split.reward_pence)],
                    [PARTY_LABELS["returned_for_investment"], Money(split.returned_for_investment_pence)],
                    [PARTY_LABELS["practices"], Money(split.practices_pence)],
                    [PARTY_LABELS["pct"], Money(split.pct_pence)],
                ],
                total=["Total", Money(split.amount_pence)],
                notes=[f"Scheme: {split.scheme_name}; rounding penny to {split.residue_party}"],
            )
        )
    pot = data["pot"]
    if pot is not None:
        sheets.append(
            Sheet(
                title="Pot",
                headers=["Declared", "Committed", "Spent", "Remaining"],
                rows=[
                    [
                        Money(pot.declared_pence),
                        Money(pot.committed_pence),
                        Money(pot.spent_pence),
                        Money(pot.remaining_pence),
                    ]
                ],
            )
        )
    sheets.append(_proposals_sheet(data["proposals"]))
    return sheets


class StatementXlsxView(StatementMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        data = self.statement()
        return xlsx_response(_statement_sheets(data), self.filename(data, "xlsx"))


class StatementPdfView(StatementMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        from agreements.exports import pdf_response

        data = self.statement()
        return pdf_response("freed_resources/pdf/statement.html", data, self.filename(data, "pdf"))


class SchemeListView(PbcPermissionMixin, TemplateView):
    permission_required = "freed_resources.view_schemesetting"
    template_name = "freed_resources/scheme_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "schemes": selectors.scheme_list(user=self.request.user),
            "ready_made": READY_MADE_SCHEMES,
        }


class SchemeEditView(PbcPermissionMixin, FormView):
    """Set the PCT's split scheme for a year (start from a ready-made one); every problem is listed."""

    permission_required = "freed_resources.change_schemesetting"
    template_name = "freed_resources/scheme_form.html"
    form_class = SchemeForm

    def get_initial(self):
        key = self.request.GET.get("from", "national")
        initial = SchemeForm.initial_for(key if key in READY_MADE_SCHEMES else "national")
        return {**initial, "year": fy_of(timezone.localdate()).start_year}

    def form_valid(self, form):
        pct = pbc_selectors.home_pct(user=self.request.user)
        if pct is None:
            form.add_error(None, "You are not a member of a PCT.")
            return self.form_invalid(form)
        year, _ = FinancialYear.objects.get_or_create(start_year=form.cleaned_data["year"])
        try:
            services.scheme_set(pct=pct, year=year, data=form.scheme_data(), actor=self.request.user)
        except (ApplicationError, ValidationError) as exc:
            _show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"The split scheme for {year} is saved.")
        return redirect("freed_resources:scheme_list")


class CalculateView(PbcPermissionMixin, TemplateView):
    """Split any amount by a ready-made or saved scheme, with the explanation of every step."""

    permission_required = "freed_resources.view_schemesetting"
    template_name = "freed_resources/calculate.html"

    def get(self, request, *args, **kwargs):
        saved = selectors.scheme_list(user=request.user)
        form = CalculateForm(request.GET or None, saved=saved)
        context = self.get_context_data(form=form)
        status = 200
        if form.is_bound:
            if form.is_valid():
                try:
                    result = split_freed_resources(
                        form.chosen_scheme(),
                        form.cleaned_data["amount"],
                        list_size=form.cleaned_data["list_size"],
                        overspent=form.cleaned_data["overspent"],
                    )
                    context.update(result=result, parts=_parts_table(result))
                except SplitError as exc:
                    form.add_error(None, list(exc.problems))
                    status = 400
            else:
                status = 400
        return self.render_to_response(context, status=status)


class DeclarationListView(PbcPermissionMixin, TemplateView):
    permission_required = "freed_resources.view_declaration"
    template_name = "freed_resources/declaration_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "declarations": selectors.declaration_list(user=self.request.user, filters=self.request.GET)[
                :500
            ],
        }


class DeclarationCreateView(PbcPermissionMixin, FormView):
    """Prepare a declaration (or a restatement) from the published reports, for PCT finance to confirm."""

    permission_required = "freed_resources.add_declaration"
    template_name = "freed_resources/declaration_form.html"
    form_class = DeclarationForm

    def get_initial(self):
        return {"year": fy_of(timezone.localdate()).start_year, **self.request.GET.dict()}

    def get_form_kwargs(self):
        user = self.request.user
        return {
            **super().get_form_kwargs(),
            "practices": pbc_selectors.practice_list(user=user).order_by("code"),
            "localities": pbc_selectors.locality_list(user=user).order_by("code"),
        }

    def form_valid(self, form):
        user = self.request.user
        d = form.cleaned_data
        year = FinancialYear.objects.filter(start_year=d["year"]).first()
        try:
            if year is None:
                raise ApplicationError(
                    f"There are no budgets for {d['year']}.", {"fields": {"year": ["Unknown year."]}}
                )
            declaration = services.declaration_prepare(
                kind=d["kind"],
                practice=pbc_selectors.practice_get(user=user, code=d["practice"])
                if d["kind"] == "practice"
                else None,
                locality=pbc_selectors.locality_get(user=user, code=d["locality"])
                if d["kind"] != "practice"
                else None,
                year=year,
                through_month=d["through_month"],
                categories=d["categories"],
                planned_investments=d["planned_investments"],
                reason=d["reason"],
                actor=user,
            )
        except (ApplicationError, ValidationError) as exc:
            _show_errors(form, exc)
            status = getattr(exc, "status_code", 400)
            return self.render_to_response(self.get_context_data(form=form), status=status)
        messages.success(self.request, "The declaration is saved for PCT finance to review and confirm.")
        return redirect("freed_resources:declaration_detail", pk=declaration.pk)


class DeclarationDetailView(PbcPermissionMixin, TemplateView):
    permission_required = "freed_resources.view_declaration"
    template_name = "freed_resources/declaration_detail.html"

    def get_context_data(self, **kwargs):
        declaration = selectors.declaration_get(user=self.request.user, pk=self.kwargs["pk"])
        split = getattr(declaration, "split", None) if declaration.status != "draft" else None
        return {
            **super().get_context_data(**kwargs),
            "declaration": declaration,
            "split": split,
            "history": declaration.history.select_related("history_user").order_by("-history_date"),
            "form": ConfirmForm(),
        }


class DeclarationConfirmView(PbcPermissionMixin, FormView):
    permission_required = "freed_resources.confirm_declaration"
    template_name = "freed_resources/declaration_confirm.html"
    form_class = ConfirmForm

    def get_context_data(self, **kwargs):
        declaration = selectors.declaration_get(user=self.request.user, pk=self.kwargs["pk"])
        return {**super().get_context_data(**kwargs), "declaration": declaration}

    def form_valid(self, form):
        declaration = selectors.declaration_get(user=self.request.user, pk=self.kwargs["pk"])
        try:
            services.declaration_confirm(declaration=declaration, actor=self.request.user)
        except (ApplicationError, ValidationError) as exc:
            _show_errors(form, exc)
            return self.render_to_response(
                self.get_context_data(form=form), status=getattr(exc, "status_code", 400)
            )
        messages.success(self.request, "Confirmed: the split is posted to the ledger.")
        return redirect(reverse("freed_resources:declaration_detail", kwargs={"pk": declaration.pk}))


class ProposalMixin(PbcPermissionMixin):
    def proposal(self):
        proposal = selectors.proposal_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.with_follow_up([proposal])[0]

    def get_context_data(self, **kwargs):
        proposal = self.proposal()
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "proposal": proposal,
            "spending": selectors.ledger_list(user=user).filter(application=proposal, kind="spent"),
            "can_spend": proposal.money.unspent_pence > 0
            and user.has_perm("freed_resources.confirm_declaration"),
            "can_name_benefit": user.has_perm("freed_resources.add_expectedbenefit")
            and not (proposal.money.committed_pence > 0 and proposal.benefit.targets),
            "spend_form": kwargs.get("spend_form") or SpendForm(),
            "benefit_form": kwargs.get("benefit_form")
            or BenefitForm(initial={"targets": _targets_text(proposal)}),
        }


def _targets_text(proposal) -> str:
    return "\n".join(
        f"{t.category}, {t.measure}, "
        + (f"{t.expected_reduction / 100:.2f}" if t.measure == "cost" else str(t.expected_reduction))
        + f", {t.months}"
        for t in proposal.benefit.targets
    )


class ProposalView(ProposalMixin, TemplateView):
    """An approved reinvestment proposal: savings → business case → later activity. The pot it draws on,
    what has been spent, and whether the expected benefit showed up in the following months' reports."""

    permission_required = "freed_resources.view_expectedbenefit"
    template_name = "freed_resources/proposal.html"


class ProposalFormView(ProposalMixin, FormView):
    """A form on the proposal page: a service applies it, errors are shown on the page (400/409)."""

    template_name = "freed_resources/proposal.html"
    form_context_name = ""
    success_message = ""

    def apply(self, proposal, data: dict) -> None:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return redirect("freed_resources:proposal_detail", pk=kwargs["pk"])

    def form_invalid(self, form, status: int = 400):
        return self.render_to_response(self.get_context_data(**{self.form_context_name: form}), status=status)

    def form_valid(self, form):
        proposal = self.proposal()
        try:
            self.apply(proposal, form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            _show_errors(form, exc)
            return self.form_invalid(form, status=getattr(exc, "status_code", 400))
        messages.success(self.request, self.success_message)
        return redirect("freed_resources:proposal_detail", pk=proposal.pk)


class ProposalSpendView(ProposalFormView):
    permission_required = "freed_resources.confirm_declaration"
    form_class = SpendForm
    form_context_name = "spend_form"
    success_message = "The spending is recorded against the proposal and its pot."

    def apply(self, proposal, data: dict) -> None:
        services.proposal_spend_record(
            application=proposal,
            amount_pence=data["amount"],
            description=data["description"],
            actor=self.request.user,
        )


class ProposalBenefitView(ProposalFormView):
    permission_required = "freed_resources.add_expectedbenefit"
    form_class = BenefitForm
    form_context_name = "benefit_form"
    success_message = "The expected benefit is saved; it is followed up after approval."

    def apply(self, proposal, data: dict) -> None:
        services.expected_benefits_set(application=proposal, targets=data["targets"], actor=self.request.user)


def pot_panel(request) -> dict | None:
    """Home page: the user's reinvestment pot balances in scope (nothing when they have none)."""
    if not request.user.has_perm(VIEW):
        return None
    panel = selectors.pot_panel(user=request.user)
    if panel is None:
        return None
    return {"template": "freed_resources/panels/home.html", "count": panel["totals"]["count"], **panel}


def register_pages() -> None:
    from pbc.context_processors import register_nav
    from pbc.views import register_home_panel

    register_nav("Freed-up resources", "freed_resources:declaration_list", "freed_resources.view_declaration")
    register_home_panel(pot_panel)
