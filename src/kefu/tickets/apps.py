from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    label = "tickets"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from kefu.tickets import (
            panels,  # noqa: F401  (registers the customer 360 section)
            tasks,  # noqa: F401  (registers the email intake job)
            workspace,  # noqa: F401  (registers the workspace cards)
        )
