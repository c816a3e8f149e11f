from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "kefu.sla"
    label = "sla"
    verbose_name = _("Time limits")

    def ready(self) -> None:
        from kefu.sla import tasks, workspace  # noqa: F401  (register the sweep, cards)


# The administrators' menu entry (kefu.site.navigation): 工作日历/时限策略.
NAV_LABEL = _("Calendars & time limits")
