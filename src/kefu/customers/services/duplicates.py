"""Records of the same customer: finding the earlier one and the supervisor's decisions."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.customers import rules
from kefu.customers.models import (
    ChangeKind,
    ChangeStatus,
    Customer,
    KeyKind,
    ManagerChange,
)
from kefu.org.models import User


def find_earlier_records(
    *, name: str, id_number: str, phones: Sequence[str], exclude_pk: int | None = None
) -> list[Customer]:
    """Masters that look like the same customer: same document number, or same name and a
    shared phone number."""
    q = Q(pk__in=[])
    if id_number:
        q |= Q(keys__kind=KeyKind.ID_NUMBER, keys__value=rules.normalise_id_number(id_number))
    values = [rules.phone_lookup_value(p) for p in phones if p]
    if values:
        same_name = Customer.objects.filter(
            keys__kind=KeyKind.NAME, keys__value=rules.normalise_key(name)
        ).values("pk")
        q |= Q(pk__in=same_name, keys__kind=KeyKind.PHONE, keys__value__in=values)
    found = Customer.objects.filter(q, duplicate_of__isnull=True, is_active=True)
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return list(found.distinct().order_by("created_at", "id"))


def owner_of(candidates: Sequence[Customer]) -> Customer:
    owner = rules.resolve_ownership(
        rules.Record(id=c.pk, created_at=c.created_at, owner_id=c.account_manager_id)
        for c in candidates
    )
    return next(c for c in candidates if c.pk == owner.id)


@transaction.atomic
def duplicate_override(*, duplicate: Customer, actor: User, reason: str) -> Customer:
    """The supervisor decides the later record owns the customer: it becomes the master and
    the earlier one (with its other duplicates) is linked to it."""
    duplicate = Customer.objects.select_for_update().get(pk=duplicate.pk)
    if duplicate.duplicate_of_id is None:
        raise ValidationError(_("This record is not linked as a duplicate."), code="not_duplicate")
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": ValidationError(_("Give the reason for the decision."), code="required")}
        )
    master = Customer.objects.select_for_update().get(pk=duplicate.duplicate_of_id)
    note = _("Ownership given to %(customer)s by %(name)s: %(reason)s") % {
        "customer": duplicate.code,
        "name": actor.display_name,
        "reason": reason.strip(),
    }
    Customer.objects.filter(duplicate_of=master).exclude(pk=duplicate.pk).update(
        duplicate_of=duplicate
    )
    duplicate.duplicate_of = None
    duplicate.duplicate_note = note[:200]
    duplicate.save()
    master.duplicate_of = duplicate
    master.duplicate_note = note[:200]
    master.first_contact_due_at = None
    master.save()
    if duplicate.account_manager_id and duplicate.account_manager_id != master.account_manager_id:
        assert duplicate.account_manager is not None  # its id is set
        now = timezone.now()
        ManagerChange.objects.create(
            customer=duplicate,
            kind=ChangeKind.DUPLICATE,
            from_manager=master.account_manager,
            to_manager=duplicate.account_manager,
            status=ChangeStatus.FINAL,
            reason=reason.strip()[:200],
            requested_by=actor,
            requested_at=now,
            finalized_at=now,
        )
    return duplicate


@transaction.atomic
def duplicate_unlink(*, customer: Customer, actor: User, reason: str) -> Customer:
    """The supervisor decides a linked record is a different customer after all."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.duplicate_of_id is None:
        raise ValidationError(_("This record is not linked as a duplicate."), code="not_duplicate")
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": ValidationError(_("Give the reason for the decision."), code="required")}
        )
    customer.duplicate_of = None
    customer.duplicate_note = (
        _("Not a duplicate (%(name)s): %(reason)s")
        % {"name": actor.display_name, "reason": reason.strip()}
    )[:200]
    customer.save()
    return customer
