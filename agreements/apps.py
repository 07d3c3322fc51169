from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Agreements and incentives"

    def ready(self) -> None:
        from agreements import roles, tasks  # noqa: F401  (grants capabilities; registers the beat entry)
        from agreements.views import register_pages

        register_pages()
