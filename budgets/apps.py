from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Budgets and activity"

    def ready(self) -> None:
        from budgets import roles  # noqa: F401 - grants capabilities to role groups
        from budgets.services import register_after_publish, report_recompute_after_upload
        from budgets.views.panels import budget_panel
        from pbc.context_processors import register_nav
        from pbc.views import register_home_panel

        register_nav("Dashboard", "budgets:dashboard", "budgets.view_reportrow")
        register_nav("Budgets", "budgets:budget_home", "budgets.view_budgetline")
        register_nav("Activity", "budgets:activity_list", "budgets.view_activityaggregate")
        register_nav("Uploads", "budgets:upload_list", "budgets.view_extractupload")
        register_nav("Tariffs", "budgets:tariff_list", "budgets.view_tariffversion")
        # Reports are recomputed (by a queued task) whenever an extract is published.
        register_after_publish(report_recompute_after_upload)
        register_home_panel(budget_panel)
