from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "activity"
    verbose_name = "Tariffs and activity"

    def ready(self) -> None:
        from activity import roles  # noqa: F401 - grants capabilities to role groups
        from activity.events import extracts_processed
        from pbc import events
        from pbc.context_processors import register_nav

        events.register("extract.processed", extracts_processed, permission="activity.view_extractupload")

        register_nav("Activity", "activity:activity_list", "activity.view_activityaggregate")
        register_nav("Validation", "activity:line_list", "activity.view_activityline")
        register_nav("Referrals", "activity:referral_rate_list", "activity.view_referral")
        register_nav("Uploads", "activity:upload_list", "activity.view_extractupload")
        register_nav("Tariffs", "activity:tariff_list", "activity.view_tariffversion")
