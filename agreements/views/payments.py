"""Pages of payment schedules: lines, decisions, statements (HTML, Excel, PDF) and the PCT summary."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from agreements import selectors, services
from agreements.choices import PAYMENT_ACTION_PERMISSIONS, PAYMENT_TRANSITIONS, PaymentAction
from agreements.exports import Money, Sheet, pdf_response, xlsx_response
from agreements.filters import PaymentFilter
from agreements.forms import PaymentTransitionForm
from agreements.views._common import show_errors
from pbc import selectors as pbc_selectors
from pbc.exceptions import ApplicationError
from pbc.fiscal import FinancialYear, fy_of
from pbc.mixins import PbcPermissionMixin
from pbc.views import FilteredListView

LINE_HEADERS = [
    "Component",
    "Name",
    "Basis",
    "Due",
    "Due by",
    "Calculated (£)",
    "Payable (£)",
    "Status",
    "Note",
]


class PaymentListView(FilteredListView):
    permission_required = "agreements.view_payment"
    template_name = "agreements/payment_list.html"
    filterset_class = PaymentFilter
    model = PaymentFilter._meta.model

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user, filters=self.request.GET)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["this_year"] = fy_of(timezone.localdate())
        return ctx


class PaymentTransitionView(PbcPermissionMixin, FormView):
    template_name = "agreements/payment_transition.html"
    form_class = PaymentTransitionForm

    def get_permission_required(self):
        action = self.kwargs.get("action")
        if action not in PAYMENT_TRANSITIONS:
            raise Http404("No such action.")
        return (PAYMENT_ACTION_PERMISSIONS[PaymentAction(action)],)

    @cached_property
    def payment(self):
        return selectors.payment_get(user=self.request.user, pk=self.kwargs["pk"])

    @property
    def action(self) -> PaymentAction:
        return PaymentAction(self.kwargs["action"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "action": self.action}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["payment"] = self.payment
        ctx["action"] = self.action
        ctx["allowed"] = self.payment.status in PAYMENT_TRANSITIONS[self.action].sources
        return ctx

    def _back(self):
        payment = self.payment
        if payment.practice_id:
            return redirect(
                "agreements:statement_practice", code=payment.practice.code, year=payment.start_year
            )
        return redirect("agreements:statement_locality", code=payment.locality.code, year=payment.start_year)

    def form_valid(self, form):
        try:
            services.payment_transition(
                payment=self.payment,
                action=self.action,
                actor=self.request.user,
                note=form.cleaned_data.get("note", ""),
                reference=form.cleaned_data.get("reference", ""),
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"{self.payment.name}: {self.action.label.lower()}.")
        return self._back()


def _line_row(line) -> list:
    note = line.reason
    if line.kind == "adjustment":
        note = f"Adjustment. {note}".strip()
    return [
        line.component_code,
        line.name,
        line.basis,
        line.get_due_display(),
        line.due_by,
        Money(line.calculated_pence),
        Money(line.amount_pence),
        line.get_status_display(),
        note,
    ]


def _totals_row(label: str, totals) -> list:
    return [label, "", "", "", "", Money(totals.calculated_pence), Money(totals.amount_pence), "", ""]


class StatementMixin(PbcPermissionMixin):
    """A statement page in one of three formats: ``html``, ``xlsx`` or ``pdf``."""

    fmt = "html"
    pdf_template = "agreements/pdf/statement.html"

    @cached_property
    def year(self) -> FinancialYear:
        try:
            return FinancialYear(int(self.kwargs["year"]))
        except (TypeError, ValueError) as exc:
            raise Http404("No such financial year.") from exc

    def render(self, context: dict, *, filename: str, sheets):
        if self.fmt == "xlsx":
            return xlsx_response(sheets(), f"{filename}.xlsx")
        if self.fmt == "pdf":
            return pdf_response(
                self.pdf_template, {**context, "generated": timezone.now()}, f"{filename}.pdf"
            )
        return self.render_to_response(context)


class PracticeStatementView(StatementMixin, TemplateView):
    """A practice's payment statement; a practice manager sees only their own practice's."""

    permission_required = "agreements.view_payment"
    template_name = "agreements/statement.html"

    def get(self, request, *args, **kwargs):
        practice = pbc_selectors.practice_get(user=request.user, code=kwargs["code"])
        statement = selectors.practice_statement(user=request.user, practice=practice, year=self.year)
        context = self.get_context_data(
            statement=statement,
            practice=practice,
            kind="practice",
            sign_ups=selectors.lessignup_list(user=request.user).filter(
                practice=practice, scheme__start_year=self.year.start_year
            ),
            budget_position=selectors.budget_position_list(user=request.user)
            .filter(practice=practice, start_year=self.year.start_year)
            .first(),
        )

        def sheets():
            title = f"{practice.code} {self.year.label}".replace("/", "-")
            return [
                Sheet(
                    title=title,
                    headers=LINE_HEADERS,
                    rows=[_line_row(line) for line in statement.lines],
                    total=_totals_row("Total", statement.totals),
                    notes=[f"Payment statement of {statement.payee_label} for {self.year.label}"],
                )
            ]

        filename = f"payments-{practice.code}-{self.year.label.replace('/', '-')}"
        return self.render(context, filename=filename, sheets=sheets)


class LocalityStatementView(StatementMixin, TemplateView):
    permission_required = ("agreements.view_payment", "agreements.view_locality_statement")
    template_name = "agreements/statement.html"

    def get(self, request, *args, **kwargs):
        locality = pbc_selectors.locality_get(user=request.user, code=kwargs["code"])
        statement = selectors.locality_statement(user=request.user, locality=locality, year=self.year)
        context = self.get_context_data(statement=statement, locality=locality, kind="locality")

        def sheets():
            title = f"{locality.code} {self.year.label}".replace("/", "-")
            practice_rows = [
                [p.code, p.name, Money(t.calculated_pence), Money(t.amount_pence), Money(t.paid_pence)]
                for p, t in statement.practice_totals
            ]
            return [
                Sheet(
                    title=title[:31],
                    headers=LINE_HEADERS,
                    rows=[_line_row(line) for line in statement.lines],
                    total=_totals_row("Total", statement.totals),
                    notes=[f"Payment statement of {statement.payee_label} for {self.year.label}"],
                ),
                Sheet(
                    title="Practices",
                    headers=["Practice", "Name", "Calculated (£)", "Payable (£)", "Paid (£)"],
                    rows=practice_rows,
                ),
            ]

        filename = f"payments-{locality.code}-{self.year.label.replace('/', '-')}"
        return self.render(context, filename=filename, sheets=sheets)


class PaymentSummaryView(StatementMixin, TemplateView):
    permission_required = "agreements.view_payment_summary"
    template_name = "agreements/payment_summary.html"
    pdf_template = "agreements/pdf/summary.html"

    def get(self, request, *args, **kwargs):
        summary = selectors.payment_summary(user=request.user, year=self.year)
        context = self.get_context_data(summary=summary, year=self.year)

        def sheets():
            headers = [
                "Payee",
                "Code",
                "Name",
                "Locality",
                "Calculated (£)",
                "Payable (£)",
                "Due (£)",
                "Approved (£)",
                "Paid (£)",
            ]
            rows = [
                [
                    r.payee_kind,
                    r.code,
                    r.name,
                    r.locality,
                    Money(r.totals.calculated_pence),
                    Money(r.totals.amount_pence),
                    Money(r.totals.due_pence),
                    Money(r.totals.approved_pence),
                    Money(r.totals.paid_pence),
                ]
                for r in summary.rows
            ]
            t = summary.totals
            total = [
                "Total", "", "", "",
                Money(t.calculated_pence), Money(t.amount_pence), Money(t.due_pence), Money(t.approved_pence), Money(t.paid_pence),
            ]  # fmt: skip
            components = [
                [code, name, Money(c.amount_pence), Money(c.paid_pence), c.lines]
                for code, name, c in summary.by_component
            ]
            return [
                Sheet(
                    title=f"Summary {self.year.label}".replace("/", "-"),
                    headers=headers,
                    rows=rows,
                    total=total,
                ),
                Sheet(
                    title="By component",
                    headers=["Component", "Name", "Payable (£)", "Paid (£)", "Lines"],
                    rows=components,
                ),
            ]

        return self.render(
            context, filename=f"payments-summary-{self.year.label.replace('/', '-')}", sheets=sheets
        )
