"""Questionnaires and their questions."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.followups.models import (
    Feeds,
    QuestionKindChoices,
    Questionnaire,
)


@transaction.atomic
def question_add(
    *,
    questionnaire: Questionnaire,
    kind: str,
    text: str,
    choices: Sequence[str] = (),
    required: bool = True,
    feeds: str = "",
) -> object:
    """Append a question; single-choice questions need at least two choices."""
    from kefu.followups.models import Question

    choices = [c.strip() for c in choices if c and c.strip()]
    if kind == QuestionKindChoices.SINGLE_CHOICE and len(choices) < 2:
        raise ValidationError(
            {
                "choices": ValidationError(
                    _("A single-choice question needs at least two choices."),
                    code="too_few_choices",
                )
            }
        )
    if kind != QuestionKindChoices.SINGLE_CHOICE:
        choices = []
    if feeds == Feeds.SATISFACTION and kind != QuestionKindChoices.SCALE:
        raise ValidationError(
            {
                "feeds": ValidationError(
                    _("Only a 1–5 scale question can give the satisfaction."),
                    code="feeds_needs_scale",
                )
            }
        )
    if feeds == Feeds.RESOLVED and kind != QuestionKindChoices.SINGLE_CHOICE:
        raise ValidationError(
            {
                "feeds": ValidationError(
                    _("Only a single-choice question can say whether it is solved."),
                    code="feeds_needs_single_choice",
                )
            }
        )
    if feeds == Feeds.WORDS and kind != QuestionKindChoices.TEXT:
        raise ValidationError(
            {
                "feeds": ValidationError(
                    _("Only a free-text question can carry the customer's words."),
                    code="feeds_needs_text",
                )
            }
        )
    last = questionnaire.questions.order_by("-position").values_list("position", flat=True).first()
    question = Question(
        questionnaire=questionnaire,
        position=(last or 0) + 1,
        kind=kind,
        text=(text or "").strip(),
        choices=choices,
        required=required,
        feeds=feeds,
    )
    question.full_clean(exclude=["questionnaire"])
    question.save()
    return question
