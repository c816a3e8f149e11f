"""Numbers and routing: the order's number, the department it goes to, who gets it."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.counters import counter_next
from kefu.core.tree import subtree_q
from kefu.org.models import Department, DepartmentKind, User
from kefu.org.permissions import in_department
from kefu.org.roles import RoleCode
from kefu.tickets import rules
from kefu.tickets.models import (
    AssignmentMode,
    Category,
    DepartmentQueue,
    NumberCounter,
    RoutingRule,
    TicketType,
)
from kefu.tickets.states import OPEN_STATUSES

logger = logging.getLogger(__name__)


def number_allocate(*, ticket_type: TicketType, at: datetime) -> str:
    """The next number of the type's series, from a counter row locked until commit.

    One ``UPDATE … RETURNING`` both increments and locks the counter, so concurrent
    creations queue behind each other: numbers are never duplicated and never skipped (a
    rolled-back creation rolls its increment back too).
    """
    day = timezone.localdate(at)
    key = rules.counter_key(ticket_type.number_pattern, prefix=ticket_type.number_prefix, day=day)
    return rules.format_number(
        ticket_type.number_pattern,
        prefix=ticket_type.number_prefix,
        day=day,
        serial=counter_next(NumberCounter, key),
    )


def department_route(*, category: Category, area: str = "", grade: str = "") -> Department | None:
    """The department a new order for *category* goes to: the first matching routing rule,
    else the category's (or its nearest ancestor's) lead department."""
    views = [
        rules.RoutingRuleView(
            order=rule.order,
            department_id=rule.department_id,
            category_path=rule.category.path if rule.category is not None else "",
            area=rule.area,
            grade=rule.customer_grade,
        )
        for rule in RoutingRule.objects.filter(is_active=True, department__is_active=True)
        .select_related("category")
        .order_by("order", "id")
    ]
    department_id = rules.route(views, category_path=category.path, area=area, grade=grade)
    if department_id is not None:
        return Department.objects.get(pk=department_id)
    node: Category | None = category
    while node is not None:
        if node.lead_department_id:
            return node.lead_department
        node = node.parent
    return None


def auto_assign(department: Department) -> User | None:
    """The handler the department's queue settings give a new order (round robin or least
    loaded), or None when the department assigns by hand."""
    settings_row = DepartmentQueue.objects.select_for_update().filter(department=department).first()
    if settings_row is None or settings_row.assignment_mode == AssignmentMode.NONE:
        return None
    handlers = (
        User.objects.filter(
            subtree_q("department", department),
            is_active=True,
            roles__code=RoleCode.HANDLER,
        )
        .annotate(load=Count("owned_tickets", filter=Q(owned_tickets__status__in=OPEN_STATUSES)))
        .values_list("pk", "load")
    )
    chosen = rules.pick_assignee(
        list(handlers),
        mode=settings_row.assignment_mode,
        last_assigned_id=settings_row.last_assigned_id,
    )
    if chosen is None:
        return None
    settings_row.last_assigned_id = chosen
    settings_row.save(update_fields=["last_assigned"])
    return User.objects.get(pk=chosen)


def assignable(user: User, department: Department | None) -> User:
    """A handler may be given an order only inside the order's department."""
    if not user.is_active or department is None or not in_department(user, department):
        raise ValidationError(
            {
                "owner": ValidationError(
                    _("%(name)s does not work in the handling department.") % {"name": user},
                    code="owner_not_in_department",
                )
            }
        )
    return user


def claim_queue_for(channel: str) -> Department | None:
    """The customer service centre whose claim queue (待认领) receives an order that came in
    on *channel* without a staff member: the one ``CLAIM_DEPARTMENTS`` names for the
    channel, else the company's default, the active centre nearest the top of the tree."""
    centres = Department.objects.active().filter(kind=DepartmentKind.FRONT_OFFICE)
    code = settings.CLAIM_DEPARTMENTS.get(channel)
    if code:
        named = centres.filter(code=code).first()
        if named is not None:
            return named
        logger.warning(
            "CLAIM_DEPARTMENTS names %r for %s, which is no active customer service centre; "
            "the default centre's claim queue is used",
            code,
            channel,
        )
    return centres.order_by("depth", "sort_order", "path").first()
