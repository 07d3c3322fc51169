from django.apps import AppConfig


class PbcConfig(AppConfig):
    name = "pbc"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from pbc.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="pbc.sync_role_groups")
