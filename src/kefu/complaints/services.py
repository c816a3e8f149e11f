"""Writes to complaint case files. Each function locks the work order, then the case, in
one transaction; writes one line on the work order's timeline; sends notifications after
commit. Status changes of the work order itself go through
``kefu.tickets.services.ticket_transition`` only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints import crypto, rules
from kefu.complaints.models import (
    AuthorityLimit,
    ComplaintCase,
    ComplaintClass,
    ComplaintSettings,
    CorrectiveAction,
    IdentityAccess,
    IdentityAccessKind,
    Penalty,
    PenaltyReview,
    RegisterCounter,
    Remedy,
    ReporterIdentity,
)
from kefu.complaints.permissions import (
    CONFIDENTIAL_GROUP,
    in_department,
    is_confidential_handler,
    may_decide,
    may_handle,
    may_instruct,
    may_propose_penalty,
    may_review_penalties,
    may_verify,
)
from kefu.complaints.rules import (
    ActionStatus,
    PenaltyStatus,
    RemedyKind,
    RemedyStatus,
    Responsibility,
    Series,
    Severity,
    Validity,
)
from kefu.complaints.sealing import anonymous, identity_merge
from kefu.complaints.seeds import DEFAULT_CLASSES, DEFAULT_LIMITS
from kefu.core.counters import counter_next
from kefu.notify.services import notify_users, sms_queue_text
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode
from kefu.tickets.lifecycle import Blocker
from kefu.tickets.models import EventKind, Ticket
from kefu.tickets.services import timeline_append
from kefu.tickets.states import FINAL_STATUSES

# ---------------------------------------------------------------- seeds


def seeds_ensure() -> None:
    """Create the settings row, the complaint classes, the approval authorities and the
    confidential handlers' group when missing; never change rows that exist."""
    ComplaintSettings.objects.get_or_create(pk=1)
    for order, (code, name, industry) in enumerate(DEFAULT_CLASSES, start=1):
        ComplaintClass.objects.get_or_create(
            code=code, defaults={"name": name, "industry": industry, "sort_order": order * 10}
        )
    for role, label, maximum in DEFAULT_LIMITS:
        AuthorityLimit.objects.get_or_create(
            role=role, defaults={"label": label, "max_amount": maximum}
        )
    Group.objects.get_or_create(name=CONFIDENTIAL_GROUP)


def settings_get() -> ComplaintSettings:
    row, _created = ComplaintSettings.objects.get_or_create(pk=1)
    return row


def authority_limits() -> list[rules.Limit]:
    return [
        rules.Limit(role=row.role, maximum=row.max_amount, label=row.label)
        for row in AuthorityLimit.objects.all()
    ]


# ---------------------------------------------------------------- helpers


def _url(case: ComplaintCase) -> str:
    return reverse("complaints:detail", args=[case.pk])


def _note(case: ComplaintCase, *, actor, now: datetime, text: str, **data) -> None:
    """One internal line on the work order's timeline (never shown to the customer)."""
    timeline_append(
        ticket=case.ticket,
        kind=EventKind.NOTE,
        actor=actor,
        note=text,
        public=False,
        data={"complaint": case.register_no, **data},
        now=now,
    )


def _lock(case: ComplaintCase) -> ComplaintCase:
    """Lock the work order first (the order every ticket change takes), then the case."""
    Ticket.objects.select_for_update(of=("self",)).only("pk").get(pk=case.ticket_id)
    return (
        ComplaintCase.objects.select_for_update(of=("self",))
        .select_related("ticket__department", "ticket__ticket_type", "ticket__category")
        .get(pk=case.pk)
    )


def _open(case: ComplaintCase) -> None:
    if case.ticket.status in FINAL_STATUSES:
        raise ValidationError(
            {"case": _("The work order is closed: the case file can no longer be changed.")}
        )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _money(value, field: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Enter an amount.")})
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if amount <= 0:
        raise ValidationError({field: _("The amount must be greater than zero.")})
    return amount


def _general_managers() -> list[User]:
    return list(User.objects.active().filter(roles__code=RoleCode.GENERAL_MANAGER).distinct())


def _notify(users, text: str, url: str) -> None:
    """In-app notifications, written in the caller's transaction."""
    notify_users([u for u in users if u is not None], text=text, url=url)


# ---------------------------------------------------------------- register numbers


def register_allocate(*, series: str, at: datetime) -> tuple[date, int, str]:
    """The next register number of *series* for the month of *at*.

    The counter row is incremented and locked by one ``UPDATE … RETURNING`` in the
    caller's transaction: concurrent registrations wait for each other, so a number is
    never issued twice and never skipped. Past the width's capacity the settings decide:
    widen, or refuse with a ``ValidationError`` that says what to do.
    """
    month = rules.month_of(timezone.localdate(at))
    key = rules.counter_key(series, month)
    serial = counter_next(RegisterCounter, key)
    conf = settings_get()
    prefix = conf.tip_off_prefix if series == Series.TIP_OFF else conf.complaint_prefix
    try:
        number = rules.register_number(
            prefix=prefix,
            month=month,
            serial=serial,
            width=conf.number_width,
            overflow=conf.number_overflow,
        )
    except rules.NumberingFull as full:
        raise ValidationError(
            _(
                "The complaint register numbers of %(month)s are used up (%(capacity)s a "
                "month with %(width)s digits). An administrator can widen the numbers in the "
                "complaint settings; then take the complaint again."
            )
            % {
                "month": f"{month:%Y-%m}",
                "capacity": full.capacity,
                "width": conf.number_width,
            },
            code="numbering_full",
        ) from None
    return month, serial, number


# ---------------------------------------------------------------- the work order's lifecycle


def series_of(ticket: Ticket) -> str | None:
    """The register a new order of this type opens a case in (None: no case file)."""
    if ticket.parent_id is not None:
        return None  # co-handling orders belong to their parent's case
    return rules.SERIES_BY_TICKET_TYPE.get(ticket.ticket_type.code)


def case_open(*, ticket: Ticket, series: str, identity: dict, now: datetime) -> ComplaintCase:
    """Open the case file of a new complaint or tip-off and give it its register number;
    a tip-off's reporter ``identity`` (already taken off the order) is sealed with it.
    Runs inside the order's creation."""
    month, serial, number = register_allocate(series=series, at=now)
    case = ComplaintCase(
        ticket=ticket,
        series=series,
        register_no=number,
        month=month,
        serial=serial,
        severity=rules.initial_severity(ticket.priority),
        created_at=now,
    )
    case.full_clean(exclude=["ticket"], validate_constraints=False)
    case.save(force_insert=True)
    text = _("Complaint case %(number)s registered") % {"number": number}
    if series == Series.TIP_OFF:
        ReporterIdentity.objects.create(
            case=case,
            anonymous=anonymous(identity),
            sealed=crypto.seal(identity) if identity else "",
            updated_at=now,
        )
        IdentityAccess.objects.create(
            case=case,
            user=ticket.first_responder,
            kind=IdentityAccessKind.SEALED,
            channel="intake",
            at=now,
        )
        text = _("Tip-off %(number)s registered; the reporter's identity is sealed") % {
            "number": number
        }
    _note(case, actor=ticket.first_responder, now=now, text=text)
    if case.severity == Severity.MAJOR:
        _tell_general_managers(case, now=now)
    return case


def ticket_close_blockers(*, ticket: Ticket) -> list[Blocker]:
    """Why the order's case file keeps the order from closing (see :func:`close_problems`)."""
    if series_of(ticket) is None:
        return []
    case = ComplaintCase.objects.filter(ticket=ticket).first()
    if case is None:
        return []
    return close_problems(case)


def close_problems(case: ComplaintCase) -> list[Blocker]:
    """Why the case cannot be closed yet (empty when it can): a corrective action not
    verified, a remedy awaiting approval, or a complaint found not valid whose customer
    was not told why.

    Reads the actions and remedies through ``.all()``, so the case page and the API list,
    which prefetch them, ask no query per case."""
    problems = []
    if case.validity == Validity.INVALID and case.customer_told_at is None:
        problems.append(
            Blocker(
                code="complaint_customer_not_told",
                message=_("Tell the customer why the complaint is not valid before closing it."),
            )
        )
    open_actions = sum(1 for action in case.corrective_actions.all() if action.is_open)
    if open_actions:
        problems.append(
            Blocker(
                code="complaint_action_open",
                message=_("%(count)s corrective or preventive action(s) are not verified yet.")
                % {"count": open_actions},
            )
        )
    if any(remedy.status == RemedyStatus.PENDING for remedy in case.remedies.all()):
        problems.append(
            Blocker(
                code="complaint_remedy_pending",
                message=_("A remedy is still awaiting approval."),
            )
        )
    return problems


def close_blockers(case: ComplaintCase) -> list[str]:
    """The messages of :func:`close_problems`, as the case page and API show them."""
    return [problem.message for problem in close_problems(case)]


def case_gaps(case: ComplaintCase) -> list[str]:
    """What the case file still lacks without stopping the close (shown on the page and
    counted as "not yet decided" in the statistics)."""
    gaps = []
    if case.validity == Validity.PENDING:
        gaps.append(_("Decide whether the complaint is valid before closing it."))
    elif case.validity == Validity.VALID and case.responsibility == Responsibility.PENDING:
        gaps.append(_("Attribute the responsibility before closing the complaint."))
    return gaps


def _tell_general_managers(case: ComplaintCase, *, now: datetime) -> None:
    """CMP-29: a major complaint goes to the general manager at once. The text names the
    case and its subject, never the customer or a reporter."""
    ComplaintCase.objects.filter(pk=case.pk).update(major_notified_at=now)
    case.major_notified_at = now
    managers = _general_managers()
    _notify(
        managers,
        _("Major complaint %(number)s: %(title)s")
        % {"number": case.register_no, "title": case.ticket.title},
        _url(case),
    )
    _note(
        case,
        actor=None,
        now=now,
        text=_("Major complaint: general manager told (%(names)s)")
        % {"names": "、".join(m.display_name for m in managers) or "—"},
    )


# ---------------------------------------------------------------- classification


@transaction.atomic
def case_classify(
    *,
    case: ComplaintCase,
    actor: User,
    complaint_class: object | None,
    anomaly: str = "",
    severity: str = Severity.GENERAL,
    customer_demand: str = "",
    order_no: str = "",
    part_no: str = "",
    delivery_date: date | None = None,
    quantity: Decimal | None = None,
    defective_quantity: Decimal | None = None,
    now: datetime | None = None,
) -> ComplaintCase:
    """Record the class, anomaly, severity, demand and the product facts (CMP-03, CMP-06).
    Raising the severity to major tells the general manager at once."""
    now = now or timezone.now()
    case = _lock(case)
    _open(case)
    _require(may_handle(actor, case), _("You may not classify this complaint."))
    if complaint_class is not None and not complaint_class.is_active:
        raise ValidationError({"complaint_class": _("This complaint class is no longer in use.")})
    was_major = case.major_notified_at is not None
    case.complaint_class = complaint_class
    case.anomaly = anomaly or ""
    case.severity = severity
    case.customer_demand = (customer_demand or "").strip()
    case.order_no = (order_no or "").strip()
    case.part_no = (part_no or "").strip()
    case.delivery_date = delivery_date
    case.quantity = quantity
    case.defective_quantity = defective_quantity
    if quantity is not None and defective_quantity is not None and defective_quantity > quantity:
        raise ValidationError(
            {"defective_quantity": _("The defective quantity cannot exceed the quantity.")}
        )
    case.full_clean(exclude=["ticket", "validity_by", "customer_told_by", "attributed_by"])
    case.save()
    _note(
        case,
        actor=actor,
        now=now,
        text=_("Classified: %(cls)s, %(severity)s")
        % {
            "cls": complaint_class.name if complaint_class else "—",
            "severity": case.get_severity_display(),
        },
    )
    if case.severity == Severity.MAJOR and not was_major:
        _tell_general_managers(case, now=now)
    return case


# ---------------------------------------------------------------- validity


def reply_draft(case: ComplaintCase, reason: str = "") -> str:
    """The tactful reply for a complaint found not valid, from the settings' template."""
    from kefu.notify.services import render_template_text

    ticket = case.ticket
    return render_template_text(
        settings_get().invalid_reply_template,
        {
            "customer": ticket.contact_name or _("customer"),
            "title": ticket.title,
            "number": case.register_no,
            "reason": reason or case.validity_reason,
        },
    )


@transaction.atomic
def case_rule_validity(
    *, case: ComplaintCase, actor: User, valid: bool, reason: str, now: datetime | None = None
) -> ComplaintCase:
    """Decide whether the complaint is valid (投诉成立/不成立), with the reasons. A complaint
    found not valid gets its reply drafted from the template."""
    now = now or timezone.now()
    case = _lock(case)
    _open(case)
    _require(may_decide(actor, case), _("You may not decide whether this complaint is valid."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reasons for the decision.")})
    case.validity = Validity.VALID if valid else Validity.INVALID
    case.validity_reason = reason
    case.validity_by = actor
    case.validity_at = now
    if not valid:
        case.reply_text = reply_draft(case, reason)
        # a decision changed to "not valid" drops an earlier attribution
        case.responsibility = Responsibility.PENDING
        case.responsible_department = case.responsible_person = None
    else:
        case.customer_told_at = None
    case.save()
    _note(
        case,
        actor=actor,
        now=now,
        text=_("%(validity)s: %(reason)s")
        % {"validity": case.get_validity_display(), "reason": reason},
        validity=case.validity,
    )
    return case


@transaction.atomic
def case_tell_customer(
    *,
    case: ComplaintCase,
    actor: User,
    channel: str,
    text: str,
    now: datetime | None = None,
) -> ComplaintCase:
    """Record that the customer was told why the complaint is not valid (by phone, SMS,
    letter or in person); by SMS the text is sent to the order's contact phone."""
    now = now or timezone.now()
    case = _lock(case)
    _open(case)
    _require(may_handle(actor, case), _("You may not answer this complaint."))
    if case.validity != Validity.INVALID:
        raise ValidationError({"channel": _("Only a complaint found not valid is answered here.")})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what the customer was told.")})
    if channel not in rules.TellChannel.values:
        raise ValidationError({"channel": _("Choose how the customer was told.")})
    ticket = case.ticket
    if channel == rules.TellChannel.SMS:
        if not ticket.contact_phone:
            raise ValidationError(
                {"channel": _("The order has no phone number to send an SMS to.")}
            )
        sms_queue_text(
            phone=ticket.contact_phone, text=text, template_code="complaint_reply", ticket=ticket
        )
    case.reply_text = text
    case.customer_told_at = now
    case.customer_told_channel = channel
    case.customer_told_by = actor
    case.save()
    timeline_append(
        ticket=ticket,
        kind=EventKind.REPLY,
        actor=actor,
        note=text,
        public=case.series == Series.COMPLAINT,
        data={"complaint": case.register_no, "channel": channel},
        now=now,
    )
    return case


# ---------------------------------------------------------------- responsibility


@transaction.atomic
def case_attribute(
    *,
    case: ComplaintCase,
    actor: User,
    facts: str,
    responsibility: str,
    root_cause: str = "",
    responsible_department: Department | None = None,
    responsible_person: User | None = None,
    external_party: str = "",
    now: datetime | None = None,
) -> ComplaintCase:
    """The investigation's facts, root cause and responsibility attribution (有责/无责;
    responsible department and person, or an outside party)."""
    now = now or timezone.now()
    case = _lock(case)
    _open(case)
    _require(may_decide(actor, case), _("You may not attribute responsibility for this complaint."))
    errors: dict[str, str] = {}
    if case.validity != Validity.VALID:
        errors["responsibility"] = _("Responsibility is attributed once the complaint is valid.")
    facts, root_cause = (facts or "").strip(), (root_cause or "").strip()
    if not facts:
        errors["facts"] = _("Write down the facts found.")
    if responsibility not in Responsibility.values or responsibility == Responsibility.PENDING:
        errors["responsibility"] = _("Choose who is responsible.")
    if responsibility == Responsibility.AT_FAULT:
        if responsible_department is None:
            errors["responsible_department"] = _("Name the responsible department.")
        elif responsible_person is not None and not in_department(
            responsible_person, responsible_department
        ):
            errors["responsible_person"] = _(
                "%(name)s does not work in the responsible department."
            ) % {"name": responsible_person}
        if not root_cause:
            errors["root_cause"] = _("Write down the root cause.")
    if responsibility == Responsibility.EXTERNAL and not (external_party or "").strip():
        errors["external_party"] = _("Name the outside party or supplier.")
    if errors:
        raise ValidationError(errors)
    at_fault = responsibility == Responsibility.AT_FAULT
    case.facts = facts
    case.root_cause = root_cause
    case.responsibility = responsibility
    case.responsible_department = responsible_department if at_fault else None
    case.responsible_person = responsible_person if at_fault else None
    case.external_party = (
        (external_party or "").strip() if responsibility == Responsibility.EXTERNAL else ""
    )
    case.attributed_by = actor
    case.attributed_at = now
    case.save()
    target = case.external_party
    if at_fault:
        target = " / ".join(
            str(x) for x in (case.responsible_department, case.responsible_person) if x
        )
    _note(
        case,
        actor=actor,
        now=now,
        text=_("Responsibility: %(resp)s %(target)s")
        % {"resp": case.get_responsibility_display(), "target": target},
    )
    if at_fault and responsible_person is not None:
        _notify(
            [responsible_person],
            _("Complaint %(number)s was attributed to you") % {"number": case.register_no},
            _url(case),
        )
    return case


# ---------------------------------------------------------------- corrective actions


@transaction.atomic
def action_add(
    *,
    case: ComplaintCase,
    actor: User,
    kind: str,
    description: str,
    owner: User,
    due_on: date,
    now: datetime | None = None,
) -> CorrectiveAction:
    """Add a corrective or preventive action with its owner and due date."""
    now = now or timezone.now()
    case = _lock(case)
    _open(case)
    _require(may_handle(actor, case), _("You may not add actions to this complaint."))
    if due_on is not None and due_on < timezone.localdate(now):
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _("The owner is no longer active.")})
    action = CorrectiveAction(
        case=case,
        kind=kind,
        description=(description or "").strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
        created_at=now,
    )
    action.full_clean()
    action.save()
    _note(
        case,
        actor=actor,
        now=now,
        text=_("%(kind)s added: %(text)s (owner %(owner)s, due %(due)s)")
        % {
            "kind": action.get_kind_display(),
            "text": action.description,
            "owner": owner,
            "due": due_on.isoformat(),
        },
    )
    if owner.pk != actor.pk:
        _notify(
            [owner],
            _("Complaint %(number)s: an action is yours, due %(due)s")
            % {"number": case.register_no, "due": due_on.isoformat()},
            _url(case),
        )
    return action


def _lock_action(action: CorrectiveAction) -> CorrectiveAction:
    case = _lock(action.case)
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    action.case = case
    return action


@transaction.atomic
def action_complete(
    *, action: CorrectiveAction, actor: User, note: str, now: datetime | None = None
) -> CorrectiveAction:
    """The owner reports the action done; it stays open until verified."""
    now = now or timezone.now()
    action = _lock_action(action)
    _open(action.case)
    _require(
        action.owner_id == actor.pk or may_decide(actor, action.case),
        _("Only the action's owner reports it done."),
    )
    if action.status != ActionStatus.OPEN:
        raise ValidationError({"note": _("This action is not open.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write down what was done.")})
    action.status = ActionStatus.DONE
    action.done_note = note
    action.done_at = now
    action.save()
    _note(action.case, actor=actor, now=now, text=_("Action done: %(note)s") % {"note": note})
    return action


@transaction.atomic
def action_verify(
    *,
    action: CorrectiveAction,
    actor: User,
    accepted: bool,
    verification: str,
    now: datetime | None = None,
) -> CorrectiveAction:
    """Verify a done action (accepted: it is closed) or send it back to its owner."""
    now = now or timezone.now()
    action = _lock_action(action)
    _open(action.case)
    _require(may_verify(actor, action), _("You may not verify this action."))
    if action.status != ActionStatus.DONE:
        raise ValidationError({"verification": _("Only an action reported done is verified.")})
    verification = (verification or "").strip()
    if not verification:
        raise ValidationError({"verification": _("Write down how it was verified.")})
    action.verification = verification
    if accepted:
        action.status = ActionStatus.VERIFIED
        action.verified_by = actor
        action.verified_at = now
        text = _("Action verified: %(note)s")
    else:
        action.status = ActionStatus.OPEN
        text = _("Action sent back to its owner: %(note)s")
        _notify(
            [action.owner],
            _("Complaint %(number)s: your action was sent back")
            % {"number": action.case.register_no},
            _url(action.case),
        )
    action.save()
    _note(action.case, actor=actor, now=now, text=text % {"note": verification})
    return action


# ---------------------------------------------------------------- remedies


@transaction.atomic
def remedy_request(
    *,
    case: ComplaintCase,
    actor: User,
    kind: str,
    description: str,
    amount=None,
    quantity=None,
    now: datetime | None = None,
) -> Remedy:
    """Ask for compensation, an allowance (an amount) or a goods return (a quantity)."""
    now = now or timezone.now()
    case = _lock(case)
    _open(case)
    _require(may_handle(actor, case), _("You may not propose remedies for this complaint."))
    if case.validity != Validity.VALID:
        raise ValidationError({"kind": _("Remedies are for a complaint found valid.")})
    if kind not in RemedyKind.values:
        raise ValidationError({"kind": _("Choose compensation, allowance or goods return.")})
    is_return = kind == RemedyKind.GOODS_RETURN
    remedy = Remedy(
        case=case,
        kind=kind,
        description=(description or "").strip(),
        amount=_money(amount, "amount", required=not is_return),
        quantity=_money(quantity, "quantity", required=is_return),
        requested_by=actor,
        requested_at=now,
    )
    remedy.full_clean()
    remedy.save()
    level = rules.lowest_level(remedy.amount or Decimal(0), authority_limits())
    _note(
        case,
        actor=actor,
        now=now,
        text=_("%(kind)s requested: %(what)s")
        % {"kind": remedy.get_kind_display(), "what": _remedy_what(remedy)},
    )
    approvers = User.objects.active().filter(roles__code=level.role).distinct() if level else []
    if level and level.role == RoleCode.DEPARTMENT_HEAD and case.ticket.department_id:
        approvers = approvers.filter(department__path__startswith=case.ticket.department.path)
    _notify(
        [u for u in approvers if u.pk != actor.pk],
        _("Complaint %(number)s: a remedy awaits your approval") % {"number": case.register_no},
        _url(case),
    )
    return remedy


def _remedy_what(remedy: Remedy) -> str:
    if remedy.kind == RemedyKind.GOODS_RETURN:
        return _("quantity %(q)s") % {"q": rules.yuan(remedy.quantity)}
    return _("%(amount)s yuan") % {"amount": rules.yuan(remedy.amount)}


def may_approve_remedy(user, remedy: Remedy, *, limits: list[rules.Limit] | None = None) -> bool:
    """Within the user's approval authority (核决权限), never the requester's own.
    *limits* (``authority_limits()``) may be given to read them once for many remedies."""
    if remedy.requested_by_id == user.pk or not user.is_active:
        return False
    if limits is None:
        limits = authority_limits()
    level = rules.approving_level(user.role_codes(), remedy.amount or Decimal(0), limits)
    if level is None:
        return False
    if level.role == RoleCode.DEPARTMENT_HEAD:
        # a department head approves for the handling department only
        return in_department(user, remedy.case.ticket.department)
    return True


@transaction.atomic
def remedy_decide(
    *, remedy: Remedy, actor: User, approve: bool, note: str = "", now: datetime | None = None
) -> Remedy:
    """Approve or reject a remedy within the approver's authority."""
    now = now or timezone.now()
    case = _lock(remedy.case)
    remedy = Remedy.objects.select_for_update().get(pk=remedy.pk)
    remedy.case = case
    _open(case)
    if remedy.status != RemedyStatus.PENDING:
        raise ValidationError({"approve": _("This remedy is already decided.")})
    amount = remedy.amount or Decimal(0)
    limits = authority_limits()
    if not may_approve_remedy(actor, remedy, limits=limits):
        level = rules.lowest_level(amount, limits)
        raise PermissionDenied(
            _("%(amount)s yuan is beyond your approval authority: it needs %(level)s.")
            % {
                "amount": rules.yuan(remedy.amount or 0),
                "level": level.label if level else _("a level that covers the amount"),
            }
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Give the reason for rejecting it.")})
    remedy.status = RemedyStatus.APPROVED if approve else RemedyStatus.REJECTED
    remedy.approved_by = actor
    remedy.approved_at = now
    remedy.decision_note = note
    level = rules.approving_level(actor.role_codes(), amount, limits)
    remedy.approval_level = level.label if level else ""
    remedy.save()
    _note(
        case,
        actor=actor,
        now=now,
        text=_("%(kind)s %(what)s: %(decision)s")
        % {
            "kind": remedy.get_kind_display(),
            "what": _remedy_what(remedy),
            "decision": remedy.get_status_display(),
        },
    )
    _notify(
        [remedy.requested_by],
        _("Complaint %(number)s: remedy %(decision)s")
        % {"number": case.register_no, "decision": remedy.get_status_display()},
        _url(case),
    )
    return remedy


@transaction.atomic
def remedy_receive(
    *, remedy: Remedy, actor: User, actual_quantity, now: datetime | None = None
) -> Remedy:
    """Record the quantity the warehouse actually received for an approved return and
    reconcile it with the approved quantity (CMP-22): within the tolerance the actual
    quantity is booked; beyond it a head's instruction is needed first."""
    now = now or timezone.now()
    case = _lock(remedy.case)
    remedy = Remedy.objects.select_for_update().get(pk=remedy.pk)
    remedy.case = case
    _require(may_handle(actor, case), _("You may not record this return."))
    if remedy.kind != RemedyKind.GOODS_RETURN or remedy.status != RemedyStatus.APPROVED:
        raise ValidationError({"actual_quantity": _("Only an approved goods return is received.")})
    if remedy.actual_quantity is not None:
        raise ValidationError({"actual_quantity": _("The received quantity is already recorded.")})
    try:
        actual = Decimal(str(actual_quantity)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"actual_quantity": _("Enter a number.")}) from None
    if actual < 0:
        raise ValidationError({"actual_quantity": _("The quantity cannot be negative.")})
    result = rules.reconcile_return(
        approved=remedy.quantity,
        actual=actual,
        tolerance_percent=settings_get().return_tolerance_percent,
    )
    remedy.actual_quantity = actual
    remedy.received_at = now
    if not result.needs_instruction:
        remedy.booked_quantity = result.booked
    remedy.save()
    if result.needs_instruction:
        text = _(
            "Return received: %(actual)s against %(approved)s approved, over the tolerance; "
            "a head's instruction is needed"
        )
        heads = User.objects.active().filter(roles__code=RoleCode.DEPARTMENT_HEAD)
        if case.ticket.department_id:
            heads = heads.filter(department__path__startswith=case.ticket.department.path)
        _notify(
            list(heads.distinct()),
            _("Complaint %(number)s: returned goods over the approved quantity")
            % {"number": case.register_no},
            _url(case),
        )
    else:
        text = _("Return received: %(actual)s against %(approved)s approved; booked")
    _note(
        case,
        actor=actor,
        now=now,
        text=text % {"actual": rules.yuan(actual), "approved": rules.yuan(remedy.quantity)},
    )
    return remedy


@transaction.atomic
def remedy_instruct(
    *, remedy: Remedy, actor: User, instruction: str, now: datetime | None = None
) -> Remedy:
    """A head's instruction on a return over the tolerance: the actual quantity is booked."""
    now = now or timezone.now()
    case = _lock(remedy.case)
    remedy = Remedy.objects.select_for_update().get(pk=remedy.pk)
    remedy.case = case
    _require(may_instruct(actor, case), _("Only a head instructs on returns over the tolerance."))
    if not remedy.awaits_instruction:
        raise ValidationError({"instruction": _("This return needs no instruction.")})
    instruction = (instruction or "").strip()
    if not instruction:
        raise ValidationError({"instruction": _("Write the instruction.")})
    remedy.instruction = instruction
    remedy.instructed_by = actor
    remedy.booked_quantity = remedy.actual_quantity
    remedy.save()
    _note(
        case,
        actor=actor,
        now=now,
        text=_("Instruction on the return: %(text)s") % {"text": instruction},
    )
    return remedy


# ---------------------------------------------------------------- penalties


@transaction.atomic
def penalty_propose(
    *,
    case: ComplaintCase,
    actor: User,
    reason: str,
    person: User | None = None,
    department: Department | None = None,
    fine=None,
    sanction: str = "",
    now: datetime | None = None,
) -> Penalty:
    """Propose a fine within the band and/or an administrative sanction for the
    responsible person or department; it is decided in the month's review."""
    now = now or timezone.now()
    case = _lock(case)
    _require(may_propose_penalty(actor, case), _("You may not propose penalties."))
    conf = settings_get()
    errors: dict[str, str] = {}
    if case.responsibility != Responsibility.AT_FAULT:
        errors["person"] = _("Penalties follow an attribution of responsibility (at fault).")
    if person is None and department is None:
        errors["person"] = _("Name the penalised person or department.")
    try:
        amount = _money(fine, "fine", required=False)
    except ValidationError:
        amount = None
        errors["fine"] = _("Enter the fine as a number of yuan.")
    problem = rules.fine_error(amount, minimum=conf.fine_min, maximum=conf.fine_max)
    if problem:
        errors["fine"] = problem
    if sanction not in rules.Sanction.values:
        errors["sanction"] = _("Unknown sanction.")
    if amount is None and not sanction and "fine" not in errors:
        errors["fine"] = _("Give a fine or an administrative sanction.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason.")
    if errors:
        raise ValidationError(errors)
    penalty = Penalty(
        case=case,
        person=person,
        department=department,
        fine=amount,
        sanction=sanction,
        reason=reason.strip(),
        month=rules.month_of(timezone.localdate(now)),
        proposed_by=actor,
        proposed_at=now,
    )
    penalty.full_clean()
    penalty.save()
    _note(
        case,
        actor=actor,
        now=now,
        text=_("Penalty proposed for %(target)s: %(fine)s %(sanction)s")
        % {
            "target": penalty.target_name,
            "fine": _("%(amount)s yuan") % {"amount": rules.yuan(amount)} if amount else "",
            "sanction": penalty.get_sanction_display() if sanction else "",
        },
    )
    return penalty


@transaction.atomic
def penalty_decide(
    *, penalty: Penalty, actor: User, approve: bool, note: str = "", now: datetime | None = None
) -> Penalty:
    """The general manager approves or drops a proposed penalty in the month's review."""
    now = now or timezone.now()
    case = _lock(penalty.case)
    penalty = Penalty.objects.select_for_update().get(pk=penalty.pk)
    _require(may_review_penalties(actor), _("Only the general manager reviews penalties."))
    if penalty.status != PenaltyStatus.PROPOSED:
        raise ValidationError({"approve": _("This penalty is already decided.")})
    if PenaltyReview.objects.filter(month=penalty.month).exists():
        raise ValidationError({"approve": _("The month's review is already complete.")})
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Give the reason for dropping it.")})
    penalty.status = PenaltyStatus.APPROVED if approve else PenaltyStatus.DROPPED
    penalty.decided_by = actor
    penalty.decided_at = now
    penalty.decision_note = note
    penalty.save()
    _note(
        case,
        actor=actor,
        now=now,
        text=_("Penalty for %(target)s: %(decision)s")
        % {"target": penalty.target_name, "decision": penalty.get_status_display()},
    )
    if approve and penalty.person_id:
        _notify(
            [penalty.person],
            _("Penalty notice for complaint %(number)s") % {"number": case.register_no},
            reverse("complaints:penalty_notice", args=[penalty.pk]),
        )
    return penalty


@transaction.atomic
def penalty_review_complete(
    *, month: date, actor: User, note: str = "", now: datetime | None = None
) -> PenaltyReview:
    """Close the month's penalty review once every proposed penalty is decided; after the
    10th of the next month it is marked late."""
    now = now or timezone.now()
    _require(may_review_penalties(actor), _("Only the general manager reviews penalties."))
    month = rules.month_of(month)
    if rules.month_of(timezone.localdate(now)) <= month:
        raise ValidationError({"month": _("A month is reviewed after it has ended.")})
    pending = Penalty.objects.filter(month=month, status=PenaltyStatus.PROPOSED).count()
    if pending:
        raise ValidationError(
            {
                "month": _("%(count)s penalty(ies) of the month are not decided yet.")
                % {"count": pending}
            }
        )
    if PenaltyReview.objects.filter(month=month).exists():
        raise ValidationError({"month": _("The month's review is already complete.")})
    review = PenaltyReview(
        month=month,
        reviewed_by=actor,
        reviewed_at=now,
        late=timezone.localdate(now) > rules.review_due(month),
        note=(note or "").strip(),
    )
    review.full_clean()
    review.save()
    return review


# ---------------------------------------------------------------- reporter identity


def _refuse_unless_confidential(case, actor, *, channel: str, address, now) -> None:
    """Anyone but a confidential handler is refused, and the refusal is logged (written
    outside any transaction of the caller's that the refusal rolls back)."""
    if not is_confidential_handler(actor):
        _log(case, actor, IdentityAccessKind.REFUSED, channel=channel, address=address, now=now)
        raise PermissionDenied(_("Only the confidential handlers may see the reporter."))


def _log(case, user, kind, *, channel: str, purpose: str = "", address=None, now=None) -> None:
    IdentityAccess.objects.create(
        case=case,
        user=user if user is not None and user.is_authenticated else None,
        kind=kind,
        purpose=purpose[:200],
        channel=channel,
        address=address,
        at=now or timezone.now(),
    )


def identity_reveal(
    *,
    case: ComplaintCase,
    actor,
    purpose: str,
    channel: str,
    address: str | None = None,
    now: datetime | None = None,
) -> dict:
    """The reporter's identity for a confidential handler, logged with the purpose.
    Anyone else is refused, and the refusal is logged too."""
    now = now or timezone.now()
    if not case.is_tip_off:
        raise ValidationError({"case": _("Only tip-offs have a sealed reporter identity.")})
    _refuse_unless_confidential(case, actor, channel=channel, address=address, now=now)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("Say why you need the reporter's identity.")})
    record = ReporterIdentity.objects.get(case=case)
    # the reading is logged before the identity is decrypted, in its own transaction
    _log(
        case,
        actor,
        IdentityAccessKind.VIEWED,
        channel=channel,
        purpose=purpose,
        address=address,
        now=now,
    )
    try:
        identity = crypto.unseal(record.sealed)
    except crypto.UnreadableIdentity:
        raise ValidationError(
            {"case": _("The identity was sealed with a key this server does not have.")}
        ) from None
    return {"anonymous": record.anonymous, **identity}


def identity_add(*, ticket: Ticket, identity: dict, now: datetime) -> None:
    """Seal more of a tip-off's reporter with its identity (a file's original name, the
    number of a repeat call …); inside the order's transaction. Logged like intake."""
    case = ComplaintCase.objects.filter(ticket=ticket).first()
    if case is None and ticket.parent_id:  # a co-handling order: its parent's case
        case = ComplaintCase.objects.filter(ticket_id=ticket.parent_id).first()
    if case is None:
        return  # not a tip-off with a case file: nothing keeps it, and the order never did
    record, _created = ReporterIdentity.objects.select_for_update().get_or_create(
        case=case, defaults={"updated_at": now}
    )
    try:
        sealed = crypto.unseal(record.sealed)
    except crypto.UnreadableIdentity:
        sealed = {"unreadable": record.sealed}
    sealed = identity_merge(sealed, identity)
    record.sealed = crypto.seal(sealed) if sealed else ""
    record.anonymous = anonymous(sealed)
    record.updated_at = now
    record.save()
    _log(case, None, IdentityAccessKind.SEALED, channel="intake", now=now)


def identity_update(
    *,
    case: ComplaintCase,
    actor,
    contact_name: str = "",
    contact_phone: str = "",
    note: str = "",
    channel: str = "page",
    address: str | None = None,
    now: datetime | None = None,
) -> ReporterIdentity:
    """A confidential handler records or corrects the reporter's identity (e.g. when an
    anonymous reporter calls back and gives a number). Logged like a reading."""
    now = now or timezone.now()
    _refuse_unless_confidential(case, actor, channel=channel, address=address, now=now)
    with transaction.atomic():
        return _identity_write(
            case, actor, contact_name, contact_phone, note, channel, address, now
        )


def _identity_write(case, actor, contact_name, contact_phone, note, channel, address, now):
    from kefu.org.models import phone_validator

    if (contact_phone or "").strip():
        try:
            phone_validator(contact_phone.strip())
        except ValidationError as exc:
            raise ValidationError({"contact_phone": exc.messages}) from None
    record = ReporterIdentity.objects.select_for_update().get(case=case)
    try:
        identity = crypto.unseal(record.sealed)
    except crypto.UnreadableIdentity:
        identity = {}
    for key, value in (
        ("contact_name", contact_name),
        ("contact_phone", contact_phone),
        ("note", note),
    ):
        value = (value or "").strip()
        if value:
            identity[key] = value
        else:
            identity.pop(key, None)
    record.sealed = crypto.seal(identity) if identity else ""
    record.anonymous = anonymous(identity)
    record.updated_at = now
    record.save()
    _log(
        case,
        actor,
        IdentityAccessKind.CHANGED,
        channel=channel,
        purpose=_("identity changed"),
        address=address,
        now=now,
    )
    return record
