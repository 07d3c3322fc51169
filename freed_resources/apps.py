from django.apps import AppConfig


class FreedResourcesConfig(AppConfig):
    name = "freed_resources"
    verbose_name = "Freed-up resources"

    def ready(self) -> None:
        from applications.choices import Action, ApplicationKind
        from applications.workflow import register_transition_check
        from freed_resources import (
            roles,  # noqa: F401  (grants this app's capabilities to the roles)
            services,
        )
        from freed_resources.views import register_pages

        # Approving a proposal for use of freed-up resources checks and commits the pot, under its lock.
        for action in (Action.APPROVE, Action.APPROVE_WITH_CONDITIONS, Action.RATIFY, Action.OVERTURN):
            register_transition_check(ApplicationKind.FREED_RESOURCES, action, services.proposal_commit)
        register_transition_check(
            ApplicationKind.FREED_RESOURCES, Action.REFER_BACK, services.proposal_release
        )
        register_pages()
