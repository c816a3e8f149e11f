"""Charts drawn with Apache ECharts when it was installed with kefu (``npm`` at install time,
see ``scripts/_python.sh``); without it the pages keep their tables and plain bars.

    {% load charts %}
    {% echarts_available as has_charts %}
    {% chart rows label="key" value="satisfaction_rate" title=_("Satisfaction rate") %}

The figures reach the browser through ``json_script``; ``kefu/charts.js`` draws them.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from django import template
from django.contrib.staticfiles import finders

register = template.Library()

ECHARTS = "vendor/echarts/echarts.min.js"
KINDS = ("bar", "line")


@cache
def echarts_installed() -> bool:
    """Whether the ECharts file is among the static files kefu serves. It is put there at
    install time, so the static finders are searched once per process, not per chart."""
    return bool(finders.find(ECHARTS))


@register.simple_tag
def echarts_available() -> bool:
    return echarts_installed()


def _get(row, name: str):
    if isinstance(row, dict):
        return row.get(name)
    return getattr(row, name, None)


def _number(value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def chart_data(
    rows: Iterable, *, label: str, value: str, skip_last: bool = False
) -> dict[str, list]:
    """The labels and values of *rows* (objects or dicts): ``label`` and ``value`` name
    the attribute or key of each; a missing value stays empty (no bar), never zero."""
    rows = list(rows or [])
    if skip_last:
        rows = rows[:-1]
    labels, values = [], []
    for row in rows:
        text = _get(row, label)
        labels.append(str(text) if text not in (None, "") else "—")
        values.append(_number(_get(row, value)))
    return {"labels": labels, "values": values}


@register.inclusion_tag("includes/chart.html")
def chart(
    rows,
    *,
    label: str,
    value: str,
    title: str = "",
    name: str = "chart",
    kind: str = "bar",
    unit: str = "%",
    maximum=100,
    skip_last: bool = False,
):
    """One ECharts chart of ``value`` per ``label`` over *rows*; renders nothing when
    ECharts is not installed or there is nothing to draw (the page's table stands)."""
    data = chart_data(rows, label=label, value=value, skip_last=skip_last)
    if not echarts_installed() or not data["labels"]:
        return {"show": False}
    return {
        "show": True,
        "name": name,
        "title": title,
        "script_id": f"chart-data-{name}",
        "data": {
            **data,
            "kind": kind if kind in KINDS else "bar",
            "unit": unit,
            "max": maximum,
            "series": title,
        },
        "echarts": ECHARTS,
    }
