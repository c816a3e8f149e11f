"""Extension point of the customer 360 page.

Other apps (tickets, complaints, return visits, satisfaction …) add a section to the page
by registering a :class:`Panel` in their ``AppConfig.ready()``::

    from kefu.customers.panels import Panel, register_panel

    register_panel(Panel(
        key="tickets",
        title=_("Work orders"),
        template="tickets/customer_panel.html",
        context=lambda request, customer: {"tickets": tickets_for_customer(request.user, customer)},
        order=30,
    ))

``context`` runs only when the panel is shown and must apply the viewer's data scope
itself; ``visible`` (optional) hides the panel from users who may not use it.
The registry holds immutable declarations made at start-up, never request data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Panel:
    key: str
    title: Any
    template: Any  # a template name, or a loaded template
    context: Callable[[Any, Any], dict]
    order: int = 100
    visible: Callable[[Any, Any], bool] | None = None


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Add (or replace, by key) a panel of the customer 360 page."""
    _PANELS[panel.key] = panel


def unregister_panel(key: str) -> None:
    _PANELS.pop(key, None)


def registered_panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    title: Any
    html: str


def render_panels(request, customer) -> list[RenderedPanel]:
    """The registered panels *request.user* may see, rendered for *customer*."""
    rendered = []
    for panel in registered_panels():
        if panel.visible is not None and not panel.visible(request, customer):
            continue
        context = {"customer": customer, **panel.context(request, customer)}
        if isinstance(panel.template, str):
            html = render_to_string(panel.template, context, request=request)
        else:  # an already loaded template (``engines["django"].from_string(...)``)
            html = panel.template.render(context, request)
        rendered.append(RenderedPanel(key=panel.key, title=panel.title, html=html))
    return rendered
