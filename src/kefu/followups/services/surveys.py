"""Survey answers (ratings): through a customer's link, or filled in by staff."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.customers.models import Contact, Customer
from kefu.followups import rules
from kefu.followups.models import (
    Feeds,
    QuestionKindChoices,
    Questionnaire,
    SurveyLink,
    SurveyResponse,
    VisitChannel,
    VisitStatus,
)
from kefu.followups.rules import Verdict
from kefu.followups.services.results import return_visit_record
from kefu.followups.services.survey_links import survey_link_open
from kefu.org.models import User


def _clean_answers(questionnaire: Questionnaire, answers: dict) -> dict:
    cleaned, errors = {}, {}
    messages = {
        "required": _("Please answer this question."),
        "choice": _("Choose one of the offered answers."),
        "scale": _("Choose a value from 1 to 5."),
        "nps": _("Choose a value from 0 to 10."),
        "number": _("Enter a number."),
        "length": _("Keep it under 2000 characters."),
    }
    # what rules.check_answer says is wrong → the code of the error
    codes = {
        "required": "required",
        "choice": "invalid_choice",
        "scale": "answer_out_of_scale",
        "nps": "answer_out_of_scale",
        "number": "invalid",
        "length": "max_length",
    }
    for question in questionnaire.questions.all():
        name = f"q{question.pk}"
        try:
            value = rules.check_answer(
                question.kind,
                answers.get(name, answers.get(str(question.pk))),
                choices=question.choices or [],
                required=question.required,
            )
        except ValueError as exc:
            errors[name] = ValidationError(
                f"{question.text}：{messages.get(str(exc), str(exc))}",
                code=codes.get(str(exc), "invalid"),
            )
            continue
        if value is not None:
            cleaned[str(question.pk)] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def survey_answer(
    *,
    token: str = "",
    questionnaire: Questionnaire | None = None,
    answers: dict,
    actor: User | None = None,
    customer: Customer | None = None,
    contact: Contact | None = None,
    now: datetime | None = None,
) -> SurveyResponse:
    """Store one answer: through a customer's link (the return visit then gets its result)
    or filled in by staff for a campaign (``campaign_answer_by_phone`` checks who may).
    Bad answers change nothing."""
    now = now or timezone.now()
    link = None
    if token:
        link = survey_link_open(token, now=now)
        link = SurveyLink.objects.select_for_update().get(pk=link.pk)
        if link.used_at is not None:  # answered a moment ago in another request
            raise ValidationError(
                {
                    "token": ValidationError(
                        _("This survey was already answered. Thank you!"), code="link_used"
                    )
                }
            )
        questionnaire = link.questionnaire
    if questionnaire is None:
        raise ValidationError(
            {"questionnaire": ValidationError(_("Choose the questionnaire."), code="required")}
        )
    cleaned = _clean_answers(questionnaire, answers)
    fed, nps, scale = _fed_values(questionnaire, cleaned)
    response = SurveyResponse.objects.create(
        questionnaire=questionnaire,
        link=link,
        visit=link.visit if link else None,
        channel=link.channel if link else VisitChannel.PHONE,
        customer=customer,
        contact=contact,
        answers=cleaned,
        # a campaign's questionnaire feeds no visit: its first scale is the satisfaction
        satisfaction=fed["satisfaction"] if fed["satisfaction"] is not None else scale,
        nps=nps,
        submitted_by=actor,
        submitted_at=now,
    )
    if link is not None:
        link.used_at = now
        link.save(update_fields=["used_at"])
        _record_visit_result(link, fed, now=now)
    return response


def _fed_values(questionnaire: Questionnaire, cleaned: dict) -> tuple[dict, int | None, int | None]:
    """What the answers feed: the visit's result (satisfaction, resolved, the customer's
    words), the first NPS answer and the first 1–5 scale answer."""
    fed = {"satisfaction": None, "resolved": None, "words": ""}
    nps = scale = None
    for question in questionnaire.questions.all():
        value = cleaned.get(str(question.pk))
        if value is None:
            continue
        if question.kind == QuestionKindChoices.NPS and nps is None:
            nps = value
        if question.kind == QuestionKindChoices.SCALE and scale is None:
            scale = value
        if question.feeds == Feeds.SATISFACTION and question.kind == QuestionKindChoices.SCALE:
            fed["satisfaction"] = value
        elif question.feeds == Feeds.RESOLVED and question.choices:
            fed["resolved"] = value == question.choices[0]
        elif question.feeds == Feeds.WORDS:
            fed["words"] = str(value)
    return fed, nps, scale


def _record_visit_result(link: SurveyLink, fed: dict, *, now: datetime) -> None:
    """The answers through a link give the pending return visit its result."""
    visit = link.visit
    if visit is None or visit.status != VisitStatus.PENDING or fed["satisfaction"] is None:
        return
    resolved = fed["resolved"] if fed["resolved"] is not None else True
    words = fed["words"] or (
        _("(answered the survey link without comment)")
        if rules.verdict(resolved=resolved, satisfaction=fed["satisfaction"])
        == Verdict.DISSATISFIED
        else ""
    )
    return_visit_record(
        visit=visit,
        actor=None,
        reached=True,
        resolved=resolved,
        satisfaction=fed["satisfaction"],
        customer_words=words,
        channel=link.channel,
        now=now,
    )
