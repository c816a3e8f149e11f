"""Account managers: their loads and changes of a customer's manager."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.tree import subtree_q
from kefu.customers import rules
from kefu.customers.models import (
    ChangeKind,
    ChangeStatus,
    Customer,
    ManagerChange,
    NoticeChannel,
)
from kefu.customers.services.checks import manager_error, raise_if_any
from kefu.customers.services.policy import current_policy
from kefu.org.models import Department, User
from kefu.org.roles import RoleCode


def manager_loads(department: Department) -> dict[int, int]:
    """Active account managers of *department*'s subtree and how many customers each has."""
    managers = (
        User.objects.filter(
            subtree_q("department", department),
            is_active=True,
            roles__code=RoleCode.CUSTOMER_MANAGER,
        )
        .annotate(
            load=Count(
                "managed_customers",
                filter=Q(
                    managed_customers__is_active=True,
                    managed_customers__duplicate_of__isnull=True,
                ),
            )
        )
        .values_list("pk", "load")
    )
    return dict(managers)


def manager_suggest(*, department: Department, exclude: User | None = None) -> User | None:
    """The account manager of the team with the fewest customers (ARC-05)."""
    loads = manager_loads(department)
    if exclude is not None:
        loads.pop(exclude.pk, None)
    chosen = rules.least_loaded(loads)
    return User.objects.get(pk=chosen) if chosen else None


def _notice_text(customer: Customer, manager: User) -> str:
    return _(
        "Dear customer, your account manager is now %(name)s, phone %(phone)s. "
        "We look forward to serving you."
    ) % {"name": manager.display_name, "phone": manager.phone or "—"}


@transaction.atomic
def manager_change_request(
    *, customer: Customer, to_manager: User, actor: User, reason: str
) -> ManagerChange:
    """Start a change of account manager. It becomes final once the key contact has been
    told (``manager_change_confirm_notice``); with no key contact on file it is final at once.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    errors: dict[str, list[ValidationError]] = {}
    error = manager_error(to_manager)
    if error:
        errors["to_manager"] = [error]
    elif to_manager.pk == customer.account_manager_id:
        errors["to_manager"] = [
            ValidationError(
                _("This is already the customer's account manager."), code="same_manager"
            )
        ]
    if not (reason or "").strip():
        errors["reason"] = [ValidationError(_("Give the reason for the change."), code="required")]
    if customer.manager_changes.filter(status=ChangeStatus.PENDING).exists():
        errors["to_manager"] = [
            ValidationError(
                _("A change of manager is already waiting for the key contact to be notified."),
                code="change_pending",
            )
        ]
    raise_if_any(errors)
    now = timezone.now()
    key_contact = customer.contacts.filter(is_key=True, is_active=True).first()
    change = ManagerChange(
        customer=customer,
        kind=ChangeKind.REASSIGNMENT if customer.account_manager_id else ChangeKind.INITIAL,
        from_manager=customer.account_manager,
        to_manager=to_manager,
        status=ChangeStatus.PENDING,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=now,
        notice_contact=key_contact,
        notice_text=_notice_text(customer, to_manager) if key_contact else "",
    )
    change.full_clean()
    change.save()
    if key_contact is None:
        change = _manager_change_finalize(
            change=change, channel=NoticeChannel.NONE, note="", actor=actor, now=now
        )
    return change


def _manager_change_finalize(
    *, change: ManagerChange, channel: str, note: str, actor: User, now: datetime
) -> ManagerChange:
    customer = change.customer
    policy = current_policy()
    change.status = ChangeStatus.FINAL
    change.notice_channel = channel
    change.notice_note = note
    change.notified_by = actor if channel != NoticeChannel.NONE else None
    change.notified_at = now if channel != NoticeChannel.NONE else None
    change.finalized_at = now
    change.save()
    customer.account_manager = change.to_manager
    customer.department = change.to_manager.department or customer.department
    customer.assigned_at = now
    customer.first_contact_due_at = (
        rules.first_contact_due(now, policy.first_contact_days)
        if customer.last_contact_at is None
        else None
    )
    customer.save()
    return change


@transaction.atomic
def manager_change_confirm_notice(
    *, change: ManagerChange, actor: User, channel: str, note: str = ""
) -> ManagerChange:
    """Record that the key contact was told by SMS or phone; the change becomes final."""
    change = ManagerChange.objects.select_for_update().select_related("customer").get(pk=change.pk)
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(
            _("This change is no longer waiting for a notice."), code="change_not_pending"
        )
    if channel not in (NoticeChannel.SMS, NoticeChannel.PHONE):
        raise ValidationError(
            {
                "channel": ValidationError(
                    _("Choose how the key contact was notified."), code="invalid_choice"
                )
            }
        )
    return _manager_change_finalize(
        change=change, channel=channel, note=note.strip(), actor=actor, now=timezone.now()
    )


@transaction.atomic
def manager_change_cancel(*, change: ManagerChange, actor: User) -> ManagerChange:
    change = ManagerChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(
            _("Only a pending change can be cancelled."), code="change_not_pending"
        )
    change.status = ChangeStatus.CANCELLED
    change.notice_note = _("Cancelled by %(name)s") % {"name": actor.display_name}
    change.save()
    return change
