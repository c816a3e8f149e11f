from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "kefu.complaints"
    label = "complaints"
    verbose_name = _("Complaints and tip-offs")

    def ready(self) -> None:
        from kefu.complaints import services, workspace  # noqa: F401  (registers the cards)
        from kefu.tickets import hooks as ticket_hooks

        if services.prepare_created not in ticket_hooks._creating:
            ticket_hooks.on_ticket_creating(services.prepare_created)
        if services.on_created not in ticket_hooks._created:
            ticket_hooks.on_ticket_created(services.on_created)
        if services.on_transition not in ticket_hooks._transitioned:
            ticket_hooks.on_ticket_transition(services.on_transition)


# The top-bar entry (shown by kefu.core.navigation); translated in this app's catalogue.
NAV_LABEL = _("Complaints")
