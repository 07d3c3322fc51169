from django.apps import AppConfig


class FreedResourcesConfig(AppConfig):
    name = "freed_resources"
    verbose_name = "Freed-up resources"
