"""Pages of shared agreements: list, draft, parties, signature, lifecycle, versions and PDF."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, TemplateView

from agreements import selectors, services
from agreements.choices import (
    AGREEMENT_TRANSITIONS,
    MANUAL_AGREEMENT_ACTIONS,
    AgreementAction,
    AgreementStatus,
)
from agreements.exports import pdf_response
from agreements.filters import AgreementFilter
from agreements.forms import (
    AgreementCreateForm,
    AgreementForm,
    NewVersionForm,
    ObjectiveFormSet,
    PartyForm,
    SectionsForm,
    SignForm,
    TransitionForm,
    objectives_from,
)
from agreements.views._common import home_pct, show_errors
from pbc import selectors as pbc_selectors
from pbc.exceptions import ApplicationError
from pbc.mixins import PbcPermissionMixin
from pbc.models import Provider
from pbc.views import FilteredListView


class AgreementListView(FilteredListView):
    permission_required = "agreements.view_agreement"
    template_name = "agreements/agreement_list.html"
    filterset_class = AgreementFilter
    model = AgreementFilter._meta.model

    def get_queryset(self):
        return selectors.agreement_list(user=self.request.user, filters=self.request.GET)


def _localities(request):
    pct = home_pct(request)
    return pbc_selectors.locality_list(user=request.user).filter(pct=pct).order_by("name")


class AgreementCreateView(PbcPermissionMixin, FormView):
    permission_required = "agreements.add_agreement"
    template_name = "agreements/agreement_create.html"
    form_class = AgreementCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "localities": _localities(self.request)}

    def get_initial(self):
        user = self.request.user
        return {"pct_lead_name": user.get_full_name() or user.username, "notice_period_days": 90}

    def form_valid(self, form):
        pct = home_pct(self.request)
        if pct is None:
            form.add_error(None, "You are not a member of a PCT.")
            return self.form_invalid(form)
        data = form.cleaned_data
        try:
            agreement = services.agreement_create(
                pct=pct,
                title=data["title"],
                locality=data["locality"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                review_date=data["review_date"],
                notice_period_days=data["notice_period_days"],
                pct_lead_name=data["pct_lead_name"],
                actor=self.request.user,
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{agreement.reference} was drafted. Write its sections and objectives."
        )
        return redirect("agreements:agreement_edit", pk=agreement.pk)


class AgreementMixin(PbcPermissionMixin):
    """Loads the agreement through the scoped selector (404 outside scope)."""

    def get_agreement(self):
        if not hasattr(self, "_agreement"):
            self._agreement = selectors.agreement_get(user=self.request.user, pk=self.kwargs["pk"])
        return self._agreement


class AgreementDetailView(AgreementMixin, DetailView):
    permission_required = "agreements.view_agreement"
    template_name = "agreements/agreement_detail.html"
    context_object_name = "agreement"

    def get_object(self, queryset=None):
        return self.get_agreement()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        agreement, user = self.object, self.request.user
        can_manage = user.has_perm("agreements.change_agreement")
        ctx["parties"] = list(agreement.parties.all())
        ctx["signed"] = [p for p in ctx["parties"] if selectors.has_signature(p)]
        ctx["signable"] = (
            selectors.signable_parties(agreement=agreement, user=user)
            if agreement.status == AgreementStatus.OUT_FOR_SIGNATURE
            else []
        )
        ctx["actions"] = (
            [
                (a, AgreementAction(a).label)
                for a in MANUAL_AGREEMENT_ACTIONS
                if agreement.status in AGREEMENT_TRANSITIONS[a].sources
            ]
            if can_manage
            else []
        )
        ctx["can_manage"] = can_manage
        ctx["can_new_version"] = can_manage and agreement.status in (
            AgreementStatus.ACTIVE,
            AgreementStatus.UNDER_REVIEW,
        )
        ctx["versions"] = selectors.agreement_versions(agreement=agreement, user=user)
        ctx["changes"] = selectors.agreement_changes(agreement=agreement)
        ctx["history"] = agreement.history.select_related("history_user").order_by("-history_date")[:20]
        return ctx


class AgreementEditView(AgreementMixin, TemplateView):
    permission_required = "agreements.change_agreement"
    template_name = "agreements/agreement_edit.html"

    def _not_draft(self):
        agreement = self.get_agreement()
        messages.error(
            self.request,
            f"{agreement.reference} version {agreement.version} is {agreement.get_status_display().lower()}: "
            "only a draft can be changed.",
        )
        return redirect("agreements:agreement_detail", pk=agreement.pk)

    def _forms(self, data=None):
        agreement = self.get_agreement()
        sections = list(agreement.sections.all())
        initial_objectives = [
            {"objective": o.objective, "measure": o.measure, "target": o.target, "due_date": o.due_date}
            for o in agreement.objectives.all()
        ]
        return (
            AgreementForm(data, instance=agreement, localities=_localities(self.request), prefix="h"),
            SectionsForm(data, sections=sections, prefix="s"),
            ObjectiveFormSet(data, initial=initial_objectives, prefix="o"),
        )

    def get(self, request, *args, **kwargs):
        if not self.get_agreement().is_editable:
            return self._not_draft()
        header, sections, objectives = self._forms()
        return self.render_to_response(
            self.get_context_data(header=header, sections=sections, objectives=objectives)
        )

    def post(self, request, *args, **kwargs):
        agreement = self.get_agreement()
        if not agreement.is_editable:
            return self._not_draft()
        header, sections, objectives = self._forms(request.POST)
        if header.is_valid() and sections.is_valid() and objectives.is_valid():
            try:
                services.agreement_draft_update(
                    agreement=agreement,
                    actor=request.user,
                    data=header.cleaned_data,
                    sections=sections.bodies(),
                    objectives=objectives_from(objectives),
                )
            except (ApplicationError, ValidationError) as exc:
                show_errors(header, exc)
            else:
                messages.success(request, "The draft was saved.")
                return redirect("agreements:agreement_detail", pk=agreement.pk)
        return self.render_to_response(
            self.get_context_data(header=header, sections=sections, objectives=objectives), status=400
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "agreement": self.get_agreement()}


class AgreementPartiesView(AgreementMixin, TemplateView):
    permission_required = "agreements.change_agreement"
    template_name = "agreements/agreement_parties.html"

    def _form(self, data=None):
        agreement = self.get_agreement()
        user = self.request.user
        practices = pbc_selectors.practice_list(user=user).filter(pct=agreement.pct)
        if agreement.locality_id:
            practices = practices.filter(locality=agreement.locality_id)
        return PartyForm(
            data,
            localities=pbc_selectors.locality_list(user=user).filter(pct=agreement.pct).order_by("name"),
            practices=practices.order_by("name"),
            providers=Provider.objects.order_by("name"),
        )

    def get_context_data(self, **kwargs):
        agreement = self.get_agreement()
        return {
            **super().get_context_data(**kwargs),
            "agreement": agreement,
            "parties": list(agreement.parties.all()),
        }

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        agreement = self.get_agreement()
        if "remove" in request.POST:
            party = next((p for p in agreement.parties.all() if str(p.pk) == request.POST["remove"]), None)
            if party is None:
                raise Http404("No such party.")
            try:
                services.agreement_party_remove(party=party, actor=request.user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{party.organisation} is no longer a party.")
            return redirect("agreements:agreement_parties", pk=agreement.pk)
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.agreement_party_add(
                    agreement=agreement,
                    kind=data["kind"],
                    organisation=form.organisation,
                    lead_name=data["lead_name"],
                    lead_role=data["lead_role"],
                    lead_user=data["lead_user"],
                    actor=request.user,
                )
            except (ApplicationError, ValidationError) as exc:
                show_errors(form, exc)
            else:
                messages.success(request, f"{form.organisation} was added as a party.")
                return redirect("agreements:agreement_parties", pk=agreement.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


_ACTION_SERVICES = {
    AgreementAction.SEND: lambda a, u, d: services.agreement_send_for_signature(
        agreement=a, actor=u, reason=d["reason"]
    ),
    AgreementAction.WITHDRAW: lambda a, u, d: services.agreement_withdraw(
        agreement=a, actor=u, reason=d["reason"]
    ),
    AgreementAction.START_REVIEW: lambda a, u, d: services.agreement_review_start(
        agreement=a, actor=u, reason=d["reason"]
    ),
    AgreementAction.COMPLETE_REVIEW: lambda a, u, d: services.agreement_review_complete(
        agreement=a, actor=u, next_review_date=d.get("next_review_date"), reason=d["reason"]
    ),
    AgreementAction.GIVE_NOTICE: lambda a, u, d: services.agreement_give_notice(
        agreement=a, actor=u, given_on=d["given_on"], reason=d["reason"]
    ),
}


class AgreementTransitionView(AgreementMixin, FormView):
    permission_required = "agreements.change_agreement"
    template_name = "agreements/agreement_transition.html"
    form_class = TransitionForm

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in MANUAL_AGREEMENT_ACTIONS:
            raise Http404("No such action.")
        self.action = AgreementAction(kwargs["action"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "action": self.action}

    def get_context_data(self, **kwargs):
        agreement = self.get_agreement()
        allowed = agreement.status in AGREEMENT_TRANSITIONS[self.action].sources
        return {
            **super().get_context_data(**kwargs),
            "agreement": agreement,
            "action": self.action,
            "allowed": allowed,
        }

    def form_valid(self, form):
        agreement = self.get_agreement()
        try:
            _ACTION_SERVICES[self.action](agreement, self.request.user, form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"{agreement.reference}: {self.action.label.lower()}.")
        return redirect("agreements:agreement_detail", pk=agreement.pk)


class AgreementNewVersionView(AgreementMixin, FormView):
    permission_required = "agreements.change_agreement"
    template_name = "agreements/agreement_new_version.html"
    form_class = NewVersionForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "agreement": self.get_agreement()}

    def form_valid(self, form):
        try:
            new = services.agreement_new_version(
                agreement=self.get_agreement(),
                actor=self.request.user,
                change_summary=form.cleaned_data["change_summary"],
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(
            self.request, f"Version {new.version} was drafted. Make the changes, then send it for signature."
        )
        return redirect("agreements:agreement_edit", pk=new.pk)


class AgreementSignView(AgreementMixin, FormView):
    permission_required = "agreements.sign_agreement"
    template_name = "agreements/agreement_sign.html"
    form_class = SignForm

    def get_form_kwargs(self):
        agreement = self.get_agreement()
        return {
            **super().get_form_kwargs(),
            "parties": selectors.signable_parties(agreement=agreement, user=self.request.user),
        }

    def get_initial(self):
        user = self.request.user
        return {"signatory_name": user.get_full_name() or user.username}

    def get_context_data(self, **kwargs):
        agreement = self.get_agreement()
        ctx = super().get_context_data(**kwargs)
        ctx["agreement"] = agreement
        ctx["signable"] = selectors.signable_parties(agreement=agreement, user=self.request.user)
        ctx["current"] = agreement.superseded_by if agreement.is_superseded else None
        return ctx

    def form_valid(self, form):
        agreement = self.get_agreement()
        try:
            signature = services.agreement_sign(
                agreement=agreement,
                actor=self.request.user,
                party=form.cleaned_data["party"],
                signatory_name=form.cleaned_data["signatory_name"],
            )
        except (ApplicationError, ValidationError) as exc:
            show_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(
            self.request, f"You signed {agreement.reference} for {signature.party.organisation}."
        )
        return redirect("agreements:agreement_detail", pk=agreement.pk)


class AgreementPdfView(AgreementMixin, TemplateView):
    permission_required = "agreements.view_agreement"

    def get(self, request, *args, **kwargs):
        agreement = self.get_agreement()
        context = {
            "agreement": agreement,
            "parties": list(agreement.parties.all()),
            "changes": selectors.agreement_changes(agreement=agreement),
        }
        filename = f"{agreement.reference}-v{agreement.version}.pdf"
        return pdf_response("agreements/pdf/agreement.html", context, filename)
