"""Pages of the organisation core: home, practices, localities, providers, imports, health."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Sum
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from pbc import queue, selectors, services
from pbc.choices import ImportStatus, Role
from pbc.exceptions import ApplicationError
from pbc.filters import LocalityFilter, PracticeFilter, ProviderFilter
from pbc.fiscal import fy_of
from pbc.forms import ImportForm
from pbc.mixins import PbcPermissionMixin

HOME_PANELS: list = []


def register_home_panel(panel) -> None:
    """Domain apps add panels (callables ``(request) -> dict | None`` with a ``template`` key)."""
    if panel not in HOME_PANELS:
        HOME_PANELS.append(panel)


def _organisation_panel(request) -> dict | None:
    user = request.user
    today = timezone.localdate()
    year = fy_of(today)
    practices = selectors.practice_list(user=user)
    memberships = list(selectors.membership_list_for(user=user))
    roles = {m.role for m in memberships}
    totals = practices.aggregate(count=Count("pk"), patients=Sum("current_list_size"))
    own_practices = [m.practice for m in memberships if m.practice_id]
    missing_april = (
        practices.exclude(list_sizes__extract_date__lte=year.start).order_by("code")[:10]
        if roles & {Role.PCT_FINANCE, Role.PCT_INFORMATION, Role.PCT_COMMISSIONING} or user.is_superuser
        else None
    )
    return {
        "template": "pbc/panels/organisation.html",
        "memberships": memberships,
        "year": year,
        "practice_count": totals["count"],
        "patients": totals["patients"],
        "own_practices": [selectors.practice_get(user=user, code=p.code) for p in own_practices],
        "localities": selectors.locality_list(user=user).annotate(n=Count("practices")).order_by("code"),
        "missing_april": missing_april,
        "recent_imports": selectors.import_run_list(user=user)[:5]
        if user.has_perm("pbc.view_importrun")
        else None,
    }


register_home_panel(_organisation_panel)


class HomeView(PbcPermissionMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["panels"] = [p for p in (panel(self.request) for panel in HOME_PANELS) if p]
        return ctx


class FilteredListView(PbcPermissionMixin, ListView):
    """A list page whose filter form is the model's one FilterSet."""

    filterset_class = None
    paginate_by = 50

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["filter"] = self.filterset_class(self.request.GET or None, queryset=self.model.objects.none())
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["querystring"] = query.urlencode()
        return ctx


class PracticeListView(FilteredListView):
    permission_required = "pbc.view_practice"
    template_name = "pbc/practice_list.html"
    filterset_class = PracticeFilter
    model = PracticeFilter._meta.model

    def get_queryset(self):
        return selectors.practice_list(user=self.request.user, filters=self.request.GET)


class PracticeDetailView(PbcPermissionMixin, DetailView):
    permission_required = "pbc.view_practice"
    template_name = "pbc/practice_detail.html"
    context_object_name = "practice"

    def get_object(self, queryset=None):
        return selectors.practice_get(user=self.request.user, code=self.kwargs["code"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        practice = self.object
        year = fy_of(timezone.localdate())
        ctx["list_sizes"] = practice.list_sizes.order_by("-extract_date")[:60]
        ctx["gps"] = practice.gps.order_by("name")
        ctx["year"] = year
        ctx["april_list"] = selectors.list_size_for_year(practice=practice, year=year)
        return ctx


class LocalityListView(FilteredListView):
    permission_required = "pbc.view_locality"
    template_name = "pbc/locality_list.html"
    filterset_class = LocalityFilter
    model = LocalityFilter._meta.model

    def get_queryset(self):
        return (
            selectors.locality_list(user=self.request.user, filters=self.request.GET)
            .annotate(practice_count=Count("practices"))
            .order_by("code")
        )


class LocalityDetailView(PbcPermissionMixin, DetailView):
    permission_required = "pbc.view_locality"
    template_name = "pbc/locality_detail.html"
    context_object_name = "locality"

    def get_object(self, queryset=None):
        return selectors.locality_get(user=self.request.user, code=self.kwargs["code"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Only the practices the user may see: a practice manager sees their own within the locality.
        practices = selectors.practice_list(user=self.request.user).filter(locality=self.object)
        ctx["practices"] = practices
        ctx["patients"] = sum(p.current_list_size or 0 for p in practices)
        return ctx


class ProviderListView(FilteredListView):
    permission_required = "pbc.view_provider"
    template_name = "pbc/provider_list.html"
    filterset_class = ProviderFilter
    model = ProviderFilter._meta.model

    def get_queryset(self):
        return selectors.provider_list(user=self.request.user, filters=self.request.GET)


class ImportListView(PbcPermissionMixin, ListView):
    permission_required = "pbc.view_importrun"
    template_name = "pbc/import_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.import_run_list(user=self.request.user)


class ImportCreateView(PbcPermissionMixin, FormView):
    permission_required = "pbc.import_organisations"
    template_name = "pbc/import_form.html"
    form_class = ImportForm

    def form_valid(self, form):
        pct = selectors.home_pct(user=self.request.user)
        if pct is None:
            form.add_error(None, "You are not a member of a PCT, so there is nowhere to import into.")
            return self.form_invalid(form)
        upload = form.cleaned_data["file"]
        try:
            run = services.import_run_create(
                kind=form.cleaned_data["kind"],
                pct=pct,
                filename=upload.name,
                data=upload.read(),
                actor=self.request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
            return self.form_invalid(form)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.info(self.request, f"{upload.name} was received.")
        return redirect("pbc:import_detail", pk=run.pk)


class ImportDetailView(PbcPermissionMixin, DetailView):
    permission_required = "pbc.view_importrun"
    context_object_name = "run"

    def get_template_names(self):
        if self.request.htmx:
            return ["pbc/partials/import_status.html"]
        return ["pbc/import_detail.html"]

    def get_object(self, queryset=None):
        return selectors.import_run_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["in_progress"] = self.object.status in (ImportStatus.PENDING, ImportStatus.RUNNING)
        return ctx


class HealthView(View):
    """Liveness and readiness for load balancers and compose: the database and the broker."""

    def get(self, request):
        checks = {}
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["database"] = f"error: {type(exc).__name__}"
        checks["broker"] = queue.broker_status()
        healthy = all(v in ("ok", "eager") for v in checks.values())
        return JsonResponse(
            {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
        )
