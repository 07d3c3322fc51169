from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Budgets and activity"

    def ready(self) -> None:
        from budgets import roles  # noqa: F401 - grants capabilities to role groups
        from pbc.context_processors import register_nav

        register_nav("Activity", "budgets:activity_list", "budgets.view_activityaggregate")
        register_nav("Uploads", "budgets:upload_list", "budgets.view_extractupload")
        register_nav("Tariffs", "budgets:tariff_list", "budgets.view_tariffversion")
