from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Budgets and reports"

    def ready(self) -> None:
        from activity.services import register_after_publish, register_after_recost
        from activity.validation.services import register_after_adjustment
        from budgets import roles  # noqa: F401 - grants capabilities to role groups
        from budgets.events import budgets_published, reports_recomputed
        from budgets.services import _queue_reports, report_recompute_after_upload
        from budgets.views.panels import budget_panel
        from pbc import events
        from pbc.context_processors import register_nav

        events.register("reports.recomputed", reports_recomputed, permission="budgets.view_reportrun")
        events.register("budget.published", budgets_published, permission="budgets.view_budgetset")
        from pbc.views import register_home_panel

        register_nav("Dashboard", "budgets:dashboard", "budgets.view_reportrow")
        register_nav("Budgets", "budgets:budget_home", "budgets.view_budgetline")
        # Reports are recomputed (by a queued task) whenever an extract is published or re-costed.
        register_after_publish(report_recompute_after_upload)
        register_after_recost(_queue_reports)
        register_after_adjustment(_queue_reports)  # an accepted activity challenge
        register_home_panel(budget_panel)
