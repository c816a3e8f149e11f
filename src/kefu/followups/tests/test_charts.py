"""The report's charts: ECharts draws them when it was installed with kefu; without it the
table keeps its plain bars."""

import json
import re
from types import SimpleNamespace

import pytest

from kefu.core.templatetags import charts
from kefu.followups.tests import test_interfaces

frozen = test_interfaces.frozen
visitor = test_interfaces.visitor
visit = test_interfaces.visit


@pytest.mark.parametrize(
    ("rows", "skip_last", "expected"),
    [
        pytest.param([], False, {"labels": [], "values": []}, id="empty"),
        pytest.param(
            [SimpleNamespace(key="维修部", rate=87.5), SimpleNamespace(key="", rate=None)],
            False,
            {"labels": ["维修部", "—"], "values": [87.5, None]},
            id="objects-missing-value-stays-empty",
        ),
        pytest.param(
            [{"key": "2026-10", "rate": 90}, {"key": "合计", "rate": 80}],
            True,
            {"labels": ["2026-10"], "values": [90.0]},
            id="dicts-without-the-total-row",
        ),
    ],
)
def test_chart_data(rows, skip_last, expected):
    assert charts.chart_data(rows, label="key", value="rate", skip_last=skip_last) == expected


def chart_json(html: str, name: str) -> dict:
    found = re.search(
        rf'<script id="chart-data-{name}" type="application/json">(.*?)</script>', html
    )
    assert found, f"no chart {name}"
    return json.loads(found.group(1))


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_report_draws_charts_when_echarts_is_installed(client_as, org, monkeypatch, request):
    visit, visitor = request.getfixturevalue("visit"), request.getfixturevalue("visitor")
    from kefu.followups import services

    services.return_visit_record(
        visit=visit, actor=visitor, reached=True, resolved=True, satisfaction=5, customer_words=""
    )
    monkeypatch.setattr(charts, "echarts_installed", lambda: True)
    page = client_as(org.gm).get("/followups/report/").text
    department = chart_json(page, "satisfaction-department")
    assert (department["labels"], department["values"]) == (["维修部"], [100.0])
    assert department["kind"] == "bar" and department["unit"] == "%"
    month = chart_json(page, "satisfaction-month")
    assert (month["labels"], month["values"], month["kind"]) == (["2026-11"], [100.0], "line")
    assert "各部门满意率" in page and "各月满意率" in page
    assert "vendor/echarts/echarts.min.js" in page
    assert 'class="bar"' not in page  # the chart replaces the plain bars

    monkeypatch.setattr(charts, "echarts_installed", lambda: False)
    plain = client_as(org.gm).get("/followups/report/").text
    assert "chart-data-" not in plain and "echarts" not in plain
    assert 'class="bar"' in plain and 'data-testid="rate-维修部">100.0%' in plain
