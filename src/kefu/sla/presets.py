"""Industry presets of SLA policies (时限策略预置), as plain data.

Each value comes from the source regulations quoted in the requirements catalogue (rule
IDs in ``source``). Where the sources give no number, the value is kefu's default and the
milestone says so (``default=True``); docs/sla.md lists them. Administrators load a preset
(``kefu sla load-preset <industry>`` or the button on the policy page) and then edit it.

Condition codes are those of the ticket module: ticket types (``repair``, ``complaint``,
``tip_off`` …), category codes (``leak``, ``meter_anomaly``, ``connection`` …), channels; a
code nobody uses simply never matches. docs/sla.md lists the vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.calendars.workcal import Unit
from kefu.sla.policy import CONDITION_FIELDS, MET_PREFIX
from kefu.sla.policy import MilestoneKind as K
from kefu.sla.policy import StartsAt as S

# Start events the complaints app declares (kefu.complaints.apps.CLOCK_EVENTS).
INVESTIGATION_FINISHED = "investigation_finished"  # 调查结束 (CMP-08)
RESULT_RETURNED = "result_returned"  # 协商结果返回 (CMP-10)

STANDARD = "standard"  # 工作日历: Mon–Fri 08:30–12:00, 13:30–17:30 with statutory holidays
ALWAYS_OPEN = "24x7"  # 全天候: emergency and field work

# What the presets' condition codes mean, shown where an organisation has no ticket type,
# category or channel of that code (its own names come first).
CONDITION_LABELS: dict[str, dict[str, str]] = {
    "categories": {
        "leak": pgettext_lazy("time-limit condition", "Leaks and drips"),
        "emergency_repair": pgettext_lazy("time-limit condition", "Emergency repair"),
        "meter_anomaly": pgettext_lazy("time-limit condition", "Meter anomaly"),
        "connection": pgettext_lazy("time-limit condition", "Connection application"),
        "claim": pgettext_lazy("time-limit condition", "Claim"),
    },
    "channels": {
        "superior_transfer": pgettext_lazy("time-limit condition", "Transferred from above"),
    },
}


@dataclass(frozen=True)
class PresetMilestone:
    kind: str
    amount: int
    unit: str
    calendar: str = STANDARD
    starts_at: str = S.ACCEPTANCE
    label: str = ""
    hard_limit_amount: int | None = None
    pauses: bool = True
    warning_thresholds: tuple[int, ...] = (50, 80)
    default: bool = False  # True: the sources give no value; kefu's documented default
    rule: str = ""  # the requirement (rule id) the limit comes from, or where the default is


@dataclass(frozen=True)
class PresetPolicy:
    code: str
    name: str
    source: str
    milestones: tuple[PresetMilestone, ...]
    ticket_types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    customer_grades: tuple[str, ...] = ()
    service_tiers: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preset:
    industry: str
    name: str
    policies: tuple[PresetPolicy, ...] = field(default_factory=tuple)


M = PresetMilestone
P = PresetPolicy


def _escalated(prefix: str) -> PresetPolicy:
    # WO-08 (heating): matters transferred from above are answered within 1 hour. Every
    # preset carries it; an organisation without such transfers deactivates it.
    return P(
        code=f"{prefix}-escalated",
        name="上级转办事项",
        source="WO-08 (S4 制度10 四)：上级转办事项 1 小时内回复结果",
        channels=("superior_transfer",),
        milestones=(M(K.REPLY, 1, Unit.HOURS, ALWAYS_OPEN, label="回复转办结果", rule="WO-08"),),
    )


def _tip_off(prefix: str) -> PresetPolicy:
    # A tip-off (举报) is answered within 10 working days by default; heating's sources say
    # the same in their own policy (CMP-27/28).
    return P(
        code=f"{prefix}-tip-off",
        name="举报",
        source="举报 10 个工作日内答复（默认时限，同 CMP-27/28）",
        ticket_types=("tip_off",),
        milestones=(M(K.REPLY, 10, Unit.WORKING_DAYS, rule="CMP-27"),),
    )


def _repairs(prefix: str, source_note: str) -> tuple[PresetPolicy, ...]:
    return (
        P(
            code=f"{prefix}-repair-leak",
            name="报修·跑冒滴漏",
            source=f"RPR-01/RPR-02{source_note}：跑冒滴漏 30 分钟到场；修复后 48 小时回访",
            ticket_types=("repair",),
            categories=("leak",),
            milestones=(
                M(K.ARRIVAL, 30, Unit.MINUTES, ALWAYS_OPEN, rule="RPR-01"),
                M(K.RESOLUTION, 24, Unit.HOURS, ALWAYS_OPEN, default=True, rule="RPR-01"),
                M(
                    K.RETURN_VISIT,
                    48,
                    Unit.HOURS,
                    ALWAYS_OPEN,
                    starts_at=S.RESOLUTION,
                    rule="RPR-02",
                ),
            ),
        ),
        P(
            code=f"{prefix}-repair",
            name="报修·其他",
            source=(
                f"RPR-01/RPR-02{source_note}：30 分钟内联系用户，2 小时内到场，"
                "24 小时内处理完毕；修复后 48 小时回访"
            ),
            ticket_types=("repair",),
            milestones=(
                M(K.FIRST_CONTACT, 30, Unit.MINUTES, ALWAYS_OPEN, rule="RPR-01"),
                M(K.ARRIVAL, 2, Unit.HOURS, ALWAYS_OPEN, rule="RPR-01"),
                M(K.RESOLUTION, 24, Unit.HOURS, ALWAYS_OPEN, rule="RPR-01"),
                M(
                    K.RETURN_VISIT,
                    48,
                    Unit.HOURS,
                    ALWAYS_OPEN,
                    starts_at=S.RESOLUTION,
                    rule="RPR-02",
                ),
            ),
        ),
    )


PRESETS: dict[str, Preset] = {
    "heating": Preset(
        "heating",
        _("District heating"),
        (
            _escalated("heating"),
            *_repairs("heating", " (S4 制度10 九)"),
            P(
                code="heating-complaint",
                name="供热投诉",
                source="WO-08、CMP-27/28 (S4 制度10)：1 小时内拿出处理意见；投诉 5 个工作日内答复",
                ticket_types=("complaint",),
                milestones=(
                    M(K.HANDLING_OPINION, 1, Unit.HOURS, rule="WO-08"),
                    M(K.REPLY, 5, Unit.WORKING_DAYS, rule="CMP-27"),
                    M(
                        K.RETURN_VISIT,
                        2,
                        Unit.WORKING_DAYS,
                        starts_at=S.RESOLUTION,
                        default=True,
                        rule="CMP-28",
                    ),
                ),
            ),
            P(
                code="heating-whistleblow",
                name="供热举报",
                source="WO-08、CMP-27/28 (S4 制度10)：举报 10 个工作日内答复",
                ticket_types=("tip_off",),
                milestones=(
                    M(K.HANDLING_OPINION, 1, Unit.HOURS, rule="WO-08"),
                    M(K.REPLY, 10, Unit.WORKING_DAYS, rule="CMP-27"),
                    M(
                        K.RETURN_VISIT,
                        2,
                        Unit.WORKING_DAYS,
                        starts_at=S.RESOLUTION,
                        default=True,
                        rule="CMP-28",
                    ),
                ),
            ),
            P(
                code="heating-connection",
                name="供热入网申请",
                source="FLW-06 (S4 制度10)：最迟 3 个工作日内答复入网方案",
                categories=("connection",),
                milestones=(M(K.REPLY, 3, Unit.WORKING_DAYS, label="答复入网方案", rule="FLW-06"),),
            ),
            P(
                code="heating-general",
                name="来信来电来访（其他）",
                source="WO-08 (S4 制度10 四)：来信、来电、来访 1 小时内拿出处理意见",
                milestones=(M(K.HANDLING_OPINION, 1, Unit.HOURS, rule="WO-08"),),
            ),
        ),
    ),
    "power": Preset(
        "power",
        _("Power supply (95598)"),
        (
            _escalated("power"),
            _tip_off("power"),
            P(
                code="power-emergency-repair",
                name="故障抢修",
                source="95598 工单时限（anchors §4）：24 小时内恢复供电，之后 1 个工作日内回复工单",
                ticket_types=("repair",),
                categories=("emergency_repair",),
                milestones=(
                    M(
                        K.RESOLUTION,
                        24,
                        Unit.HOURS,
                        ALWAYS_OPEN,
                        label="恢复供电",
                        rule="anchors §4",
                    ),
                    M(
                        K.REPLY,
                        1,
                        Unit.WORKING_DAYS,
                        starts_at=S.RESOLUTION,
                        label="回复工单",
                        rule="anchors §4",
                    ),
                ),
            ),
            P(
                code="power-meter",
                name="计量装置异常",
                source="95598 工单时限（anchors §4）：电能表异常 4 个工作日",
                categories=("meter_anomaly",),
                milestones=(M(K.RESOLUTION, 4, Unit.WORKING_DAYS, rule="anchors §4"),),
            ),
            P(
                code="power-complaint",
                name="供电投诉",
                source="来源未给出投诉时限（§23）：kefu 默认 5 个工作日答复、办结后 1 个工作日回访",
                ticket_types=("complaint",),
                milestones=(
                    M(K.REPLY, 5, Unit.WORKING_DAYS, default=True, rule="§23"),
                    M(
                        K.RETURN_VISIT,
                        1,
                        Unit.WORKING_DAYS,
                        starts_at=S.RESOLUTION,
                        default=True,
                        rule="§23",
                    ),
                ),
            ),
            P(
                code="power-connection",
                name="业扩报装·答复供电方案",
                source=(
                    "FLW-05：时限依《供电监管办法》，来源未给出数值（§23 第 10 条）；"
                    "kefu 默认 15 个工作日"
                ),
                categories=("connection",),
                milestones=(
                    M(
                        K.REPLY,
                        15,
                        Unit.WORKING_DAYS,
                        label="答复供电方案",
                        default=True,
                        rule="FLW-05、§23",
                    ),
                ),
            ),
            P(
                code="power-general",
                name="其他服务诉求",
                source="95598 工单时限（anchors §4）：其他服务诉求 5 个工作日",
                milestones=(M(K.RESOLUTION, 5, Unit.WORKING_DAYS, rule="anchors §4"),),
            ),
        ),
    ),
    "property": Preset(
        "property",
        _("Property management"),
        (
            _escalated("property"),
            _tip_off("property"),
            *_repairs("property", "、anchors PM-1"),
            P(
                code="property-suggestion",
                name="业主意见建议",
                source="CHN-08：意见箱每日收集一次，两个工作日内专人负责回复",
                ticket_types=("suggestion",),
                milestones=(M(K.REPLY, 2, Unit.WORKING_DAYS, label="回复意见建议", rule="CHN-08"),),
            ),
            P(
                code="property-complaint",
                name="业主投诉",
                source=(
                    "CMP-33：第一时间反馈处理意见（无数值，kefu 默认 24 小时）；"
                    "办结当天电话回访（CMP-24、RV-02）；办结时限 kefu 默认 5 个工作日"
                ),
                ticket_types=("complaint",),
                milestones=(
                    M(K.HANDLING_OPINION, 24, Unit.HOURS, default=True, rule="CMP-33"),
                    M(K.RESOLUTION, 5, Unit.WORKING_DAYS, default=True, rule="CMP-33"),
                    M(
                        K.RETURN_VISIT,
                        0,
                        Unit.CALENDAR_DAYS,
                        starts_at=S.RESOLUTION,
                        label="办结当天电话回访",
                        rule="CMP-24、RV-02",
                    ),
                ),
            ),
        ),
    ),
    "manufacturing": Preset(
        "manufacturing",
        _("Manufacturing after-sales"),
        (
            _tip_off("manufacturing"),
            P(
                code="manufacturing-complaint",
                name="客户投诉（制造）",
                source=(
                    "CMP-08：调查结束后 3 天内报告总经理；"
                    "CMP-10：协商结果返回后 1 日内形成综合意见；"
                    "CMP-18：受理起 14～21 天内结案（目标 14 天，硬性期限 21 天）"
                ),
                ticket_types=("complaint",),
                milestones=(
                    M(
                        K.REPORT,
                        3,
                        Unit.CALENDAR_DAYS,
                        starts_at=INVESTIGATION_FINISHED,
                        label="调查报告总经理",
                        rule="CMP-08",
                    ),
                    M(
                        K.HANDLING_OPINION,
                        1,
                        Unit.CALENDAR_DAYS,
                        starts_at=RESULT_RETURNED,
                        label="综合意见",
                        rule="CMP-10",
                    ),
                    M(K.RESOLUTION, 14, Unit.CALENDAR_DAYS, hard_limit_amount=21, rule="CMP-18"),
                ),
            ),
        ),
    ),
    "quality": Preset(
        "quality",
        _("Quality-system complaint handling"),
        (
            _tip_off("quality"),
            P(
                code="quality-complaint",
                name="客户投诉（质量体系）",
                source=(
                    "CMP-24 (S4 制度5 第六条)：1 天内达成初步协议；调查后 3 天内报告总经理；"
                    "一周内处理完毕；处理完当天电话回访"
                ),
                ticket_types=("complaint",),
                milestones=(
                    M(
                        K.HANDLING_OPINION,
                        1,
                        Unit.CALENDAR_DAYS,
                        label="与客户达成初步协议",
                        rule="CMP-24",
                    ),
                    M(
                        K.REPORT,
                        3,
                        Unit.CALENDAR_DAYS,
                        starts_at=INVESTIGATION_FINISHED,
                        label="报告总经理",
                        rule="CMP-24",
                    ),
                    M(K.RESOLUTION, 7, Unit.CALENDAR_DAYS, rule="CMP-24"),
                    M(
                        K.RETURN_VISIT,
                        0,
                        Unit.CALENDAR_DAYS,
                        starts_at=S.RESOLUTION,
                        label="处理完当天电话回访",
                        rule="CMP-24",
                    ),
                ),
            ),
        ),
    ),
    "telecom": Preset(
        "telecom",
        _("Telecom"),
        (
            _escalated("telecom"),
            _tip_off("telecom"),
            P(
                code="telecom-complaint",
                name="集团客户投诉",
                source=(
                    "来源只规定按类别派单给牵头部门（WO-02），未给出时限（§23）：全部为 kefu 默认值"
                ),
                ticket_types=("complaint",),
                milestones=(
                    M(K.FIRST_CONTACT, 4, Unit.WORKING_HOURS, default=True, rule="§23"),
                    M(K.RESOLUTION, 5, Unit.WORKING_DAYS, default=True, rule="§23"),
                    M(
                        K.RETURN_VISIT,
                        1,
                        Unit.WORKING_DAYS,
                        starts_at=S.RESOLUTION,
                        default=True,
                        rule="§23",
                    ),
                ),
            ),
            P(
                code="telecom-fault",
                name="故障申告",
                source="来源未给出时限：kefu 默认 24 小时修复、修复后 1 个工作日回访",
                ticket_types=("repair",),
                milestones=(
                    M(K.RESOLUTION, 24, Unit.HOURS, ALWAYS_OPEN, default=True, rule="§23"),
                    M(
                        K.RETURN_VISIT,
                        1,
                        Unit.WORKING_DAYS,
                        starts_at=S.RESOLUTION,
                        default=True,
                        rule="§23",
                    ),
                ),
            ),
        ),
    ),
    "insurance": Preset(
        "insurance",
        _("Insurance"),
        (
            _escalated("insurance"),
            _tip_off("insurance"),
            P(
                code="insurance-complaint",
                name="保险投诉",
                source=(
                    "CMP-32：24 小时内回复处理情况和进度，并在短时间内书面答复"
                    "（书面答复无数值，kefu 默认 5 个工作日）"
                ),
                ticket_types=("complaint",),
                milestones=(
                    M(K.REPLY, 24, Unit.HOURS, label="回复处理进度", rule="CMP-32"),
                    M(K.REPLY, 5, Unit.WORKING_DAYS, label="书面答复", default=True, rule="CMP-32"),
                ),
            ),
            P(
                code="insurance-claim",
                name="理赔案件",
                source="RV-03：每案必访；限时查勘定损、限时理算无数值（§23 第 11 条），kefu 默认",
                categories=("claim",),
                milestones=(
                    M(
                        K.ARRIVAL,
                        24,
                        Unit.HOURS,
                        ALWAYS_OPEN,
                        label="查勘定损",
                        default=True,
                        rule="§23 第 11 条",
                    ),
                    M(
                        K.RESOLUTION,
                        10,
                        Unit.WORKING_DAYS,
                        label="理算赔付",
                        default=True,
                        rule="§23 第 11 条",
                    ),
                    M(
                        K.RETURN_VISIT,
                        3,
                        Unit.WORKING_DAYS,
                        starts_at=S.RESOLUTION,
                        default=True,
                        rule="RV-03",
                    ),
                ),
            ),
        ),
    ),
}

INDUSTRY_CHOICES = [(key, preset.name) for key, preset in PRESETS.items()]


# ------------------------------------------------------------------ the table in docs/sla.md

DOC_START = "<!-- preset-limits:start (generated by kefu.sla.presets.limits_markdown) -->"
DOC_END = "<!-- preset-limits:end -->"

_KIND_ZH: dict[str, str] = {
    K.FIRST_CONTACT: "首次联系",
    K.ARRIVAL: "到场",
    K.HANDLING_OPINION: "处理意见",
    K.RESOLUTION: "办结",
    K.REPLY: "答复",
    K.REPORT: "报告",
    K.RETURN_VISIT: "回访",
}
_UNIT_ZH: dict[str, str] = {
    Unit.MINUTES: "分钟",
    Unit.HOURS: "小时",
    Unit.WORKING_MINUTES: "工作分钟",
    Unit.WORKING_HOURS: "工作小时",
    Unit.WORKING_DAYS: "工作日",
    Unit.CALENDAR_DAYS: "自然日",
}
_START_ZH: dict[str, str] = {
    S.ACCEPTANCE: "受理",
    S.RESOLUTION: "办结",
    S.PREVIOUS: "上一节点达成",
    INVESTIGATION_FINISHED: "投诉调查结束 (`investigation_finished`)",
    RESULT_RETURNED: "协商结果返回 (`result_returned`)",
}
_CALENDAR_ZH: dict[str, str] = {STANDARD: "工作日历", ALWAYS_OPEN: "24×7"}


def _conditions(policy: PresetPolicy) -> str:
    parts = [
        f"{name}={','.join(getattr(policy, name))}"
        for name in CONDITION_FIELDS
        if getattr(policy, name)
    ]
    return "; ".join(parts) or "任意"


def _start(code: str) -> str:
    if code.startswith(MET_PREFIX):
        kind = code[len(MET_PREFIX) :]
        return f"{_KIND_ZH.get(kind, kind)}达成"
    return _START_ZH.get(code, f"`{code}`")


def limits_markdown(presets: dict[str, Preset] | None = None) -> str:
    """Every limit of every industry preset as Markdown, one table per industry and one row
    per limit: its policy and conditions, the milestone, the amount, the unit (hours,
    working days, calendar days …), the calendar, the event its clock starts at and the
    rule it comes from. docs/sla.md carries this text between ``DOC_START`` and ``DOC_END``.
    """
    from django.utils import translation

    lines: list[str] = []
    with translation.override("zh-hans"):
        for code, preset in (presets if presets is not None else PRESETS).items():
            lines += [
                f"### {preset.name} (`{code}`)",
                "",
                "| 策略 | 条件 | 时限节点 | 时限 | 单位 | 日历 | 计时起点 | 依据 |",
                "|---|---|---|---:|---|---|---|---|",
            ]
            for policy in preset.policies:
                for m in policy.milestones:
                    kind = _KIND_ZH.get(m.kind, m.kind)
                    amount = str(m.amount)
                    if m.hard_limit_amount is not None:
                        amount += f"（硬性 {m.hard_limit_amount}）"
                    rule = m.rule + (" **[默认]**" if m.default else "")
                    lines.append(
                        f"| {policy.name} `{policy.code}` | {_conditions(policy)} "
                        f"| {kind}{f'（{m.label}）' if m.label else ''} | {amount} "
                        f"| {_UNIT_ZH.get(m.unit, m.unit)} "
                        f"| {_CALENDAR_ZH.get(m.calendar, m.calendar)} "
                        f"| {_start(m.starts_at)} | {rule} |"
                    )
            lines += ["", "依据原文：", ""]
            lines += [f"- `{policy.code}`：{policy.source}" for policy in preset.policies]
            lines.append("")
    return "\n".join(lines)


def doc_with_limits(text: str, table: str | None = None) -> str:
    """``text`` (docs/sla.md) with the part between the markers replaced by ``table``
    (by default :func:`limits_markdown`)."""
    start, end = text.index(DOC_START), text.index(DOC_END)
    table = limits_markdown() if table is None else table
    return text[: start + len(DOC_START)] + "\n\n" + table + "\n" + text[end:]
