from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "kefu.sla"
    label = "sla"
    verbose_name = _("Time limits")

    def ready(self) -> None:
        from kefu.sla import engine, tasks, workspace  # noqa: F401  (register the sweep, cards)
        from kefu.sla.hooks import register_recompute_hook
        from kefu.tickets import hooks as ticket_hooks

        if engine.prepare_created not in ticket_hooks._creating:
            ticket_hooks.on_ticket_creating(engine.prepare_created)
        if engine.on_created not in ticket_hooks._created:
            ticket_hooks.on_ticket_created(engine.on_created)
        if engine.on_transition not in ticket_hooks._transitioned:
            ticket_hooks.on_ticket_transition(engine.on_transition)
        register_recompute_hook(engine.recompute_deadlines)


# The administrators' menu entry (kefu.core.navigation): 工作日历/时限策略.
NAV_LABEL = _("Calendars & time limits")
