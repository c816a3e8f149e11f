"""Rows every installation starts with: dissatisfaction reasons, the default
questionnaire and the visit-plan rules (RV-01, NTF-04, RV-11). Used by the data migration
and by ``kefu followups ensure``; existing rows are never changed."""

from __future__ import annotations

REASONS = [
    ("slow", "处理不及时"),
    ("not_fixed", "问题未解决"),
    ("attitude", "服务态度差"),
    ("quality", "维修质量差"),
    ("fees", "收费不合理"),
    ("no_callback", "未及时回复"),
    ("other", "其他"),
]

DEFAULT_QUESTIONNAIRE = {
    "code": "ticket-return-visit",
    "title": "工单回访满意度调查",
    "intro": "感谢您抽出一分钟时间评价本次服务，您的意见将帮助我们改进。",
    "questions": [
        ("scale", "您对本次服务的总体评价", [], True, "satisfaction"),
        ("single_choice", "您反映的问题是否已经解决？", ["已解决", "未解决"], True, "resolved"),
        ("nps", "您向亲友推荐我们服务的可能性有多大？（0–10 分）", [], False, ""),
        ("text", "您还有什么意见或建议？", [], False, "words"),
    ],
}

PLAN_RULES = [
    (
        "delivery-cycle",
        "项目回访",
        "delivery_cycle",
        {"first_year_every": 1, "later_every": 3},
    ),
    ("key-contact-birthday", "关键联系人生日问候", "birthday", {}),
    (
        "holiday-greeting",
        "节日问候",
        "holiday",
        {"dates": [{"date": "10-01", "name": "国庆节问候"}]},
    ),
    (
        # RV-11 / NTF-05: every December, new and existing customers of every grade
        "new-year-a",
        "新年问候及来年需求调查",
        "new_year",
        {
            "month": 12,
            "day": 1,
            "grades": [],
            "new_customers": True,
            "existing_customers": True,
            "tags": [],
        },
    ),
]


def seed(apps) -> None:
    Reason = apps.get_model("followups", "DissatisfactionReason")
    Questionnaire = apps.get_model("followups", "Questionnaire")
    Question = apps.get_model("followups", "Question")
    PlanRule = apps.get_model("followups", "PlanRule")
    for order, (code, name) in enumerate(REASONS):
        Reason.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    spec = DEFAULT_QUESTIONNAIRE
    questionnaire, created = Questionnaire.objects.get_or_create(
        code=spec["code"],
        defaults={
            "title": spec["title"],
            "intro": spec["intro"],
            "is_default": not Questionnaire.objects.filter(is_default=True).exists(),
        },
    )
    if created:
        for position, (kind, text, choices, required, feeds) in enumerate(spec["questions"], 1):
            Question.objects.create(
                questionnaire=questionnaire,
                position=position,
                kind=kind,
                text=text,
                choices=choices,
                required=required,
                feeds=feeds,
            )
    for code, name, kind, params in PLAN_RULES:
        PlanRule.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "params": params}
        )
