from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications and decisions"

    def ready(self) -> None:
        from applications import roles  # noqa: F401  (grants this app's permissions to the roles)
        from applications.events import applications_decided
        from applications.packs import published_report_position, register_budget_position
        from applications.views.panels import applications_panel
        from pbc import events
        from pbc.context_processors import register_nav

        events.register(
            "application.decided", applications_decided, permission="applications.view_application"
        )
        from pbc.views import register_home_panel

        register_nav("Applications", "applications:application_list", "applications.view_application")
        # One navigation entry: meetings, readiness and competencies are reached from the applications pages.
        register_home_panel(applications_panel)
        # PEC papers show each applicant's budget position from the published monthly reports.
        register_budget_position(published_report_position)
