"""Tickets owns its tables: no other app writes work orders, their timeline or the other
tables of the tickets app directly; they call tickets' services (``timeline_append``,
``ticket_next_due_set``, ``TimelineBatch`` …).

The check reads the source (``ast``) of every module outside ``kefu/tickets``, migrations
and tests, and names each write it finds: ``<Model>.objects.create / bulk_create /
update / …`` on a tickets model, ``.update(…)`` / ``.delete()`` on a queryset or related
manager of one, ``.save()`` / ``.delete()`` on an instance of one, ``.add()`` and friends
on an order's participants.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

SRC = Path(__file__).resolve().parents[2]  # src/kefu

# Calls that write rows when made on rows, querysets, managers or relations of a model.
WRITES = {
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
    "save",
    "add",
    "remove",
    "set",
    "clear",
}
# Steps that keep what they are called on: a queryset stays a queryset of the same model.
KEEP = {
    "objects",
    "through",
    "all",
    "filter",
    "exclude",
    "get",
    "first",
    "last",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "only",
    "defer",
    "order_by",
    "annotate",
    "distinct",
    "using",
}
# Calls that hand back (an element of) their first argument.
WRAPPERS = {"list", "tuple", "sorted", "iter", "next", "reversed"}


def _tickets_models() -> set[type]:
    """The tickets app's models, its many-to-many tables included."""
    return set(apps.get_app_config("tickets").get_models(include_auto_created=True))


def _relations() -> set[str]:
    """Attribute names that lead to rows of the tickets app from any model: reverse
    accessors (``customer.tickets``, ``ticket.events``, ``user.owned_tickets``), foreign
    keys to them (``visit.ticket``, ``case.ticket``) and their many-to-many fields
    (``ticket.participants``)."""
    owned = _tickets_models()
    names = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation:
                continue
            if field.auto_created and not field.concrete:
                if field.related_model in owned:  # the rows behind the accessor
                    names.add(field.get_accessor_name() or "")
            elif field.related_model in owned or (field.many_to_many and model in owned):
                names.add(field.name)
    return {name for name in names if name and not name.endswith("+")}


def _model_names() -> set[str]:
    return {model.__name__ for model in _tickets_models()}


def _chain(node: ast.expr) -> list[str]:
    """``Ticket.objects.filter(x).update`` → ["Ticket", "objects", "filter", "update"]."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return list(reversed(parts))
        else:
            return list(reversed(parts))


class _Finder(ast.NodeVisitor):
    """Collects the writes to the tickets app's tables in one module."""

    def __init__(self, models: set[str], relations: set[str]) -> None:
        self.models = models
        self.relations = relations
        self.aliases: set[str] = set()  # local names of tickets models
        self.bound: list[set[str]] = [set()]  # names holding tickets rows or querysets
        self.found: list[tuple[int, str]] = []

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "kefu.tickets.models":
            for alias in node.names:
                if alias.name in self.models:
                    self.aliases.add(alias.asname or alias.name)
        self.generic_visit(node)

    def _of_tickets(self, node: ast.expr | None) -> bool:
        """Whether ``node`` evaluates to tickets rows, or a queryset, manager or relation
        of them."""
        if node is None:
            return False
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in self.aliases:
                return True  # Ticket(…)
            return node.func.id in WRAPPERS and bool(node.args) and self._of_tickets(node.args[0])
        chain = _chain(node)
        if not chain:
            return False
        root = chain[0]
        state = (
            root in self.aliases
            or root in self.bound[-1]
            or root in {"ticket", "tickets"}
            or root.endswith("_ticket")
        )
        for part in chain[1:]:
            if part in KEEP:
                continue
            state = part in self.relations
        return state

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        bound = set(self.bound[-1])
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            if any(name in annotation.replace("|", " ").split() for name in self.aliases):
                bound.add(arg.arg)
        self.bound.append(bound)
        self.generic_visit(node)
        self.bound.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def _bind(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name) and self._of_tickets(value):
            self.bound[-1].add(target.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind(node.target, node.value)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._bind(node.target, node.iter)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in WRITES and self._of_tickets(func.value):
            self.found.append((node.lineno, ast.unparse(func)))
        self.generic_visit(node)


def foreign_writes(source: str) -> list[str]:
    """The writes to the tickets app's tables in ``source``, as "line: call"."""
    finder = _Finder(_model_names(), _relations())
    finder.visit(ast.parse(source))
    return [f"{line}: {call}" for line, call in finder.found]


def _modules() -> list[Path]:
    return sorted(
        path
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] != "tickets"
        and "migrations" not in path.parts
        and "tests" not in path.parts
    )


def test_no_other_app_writes_the_tickets_tables():
    offenders = [
        f"{path.relative_to(SRC)}:{finding}"
        for path in _modules()
        for finding in foreign_writes(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# The checker itself, on code it must flag and code it must let through.
FLAGGED = {
    "event-create": "TicketEvent.objects.create(ticket=t, kind='note')",
    "event-bulk": "TicketEvent.objects.bulk_create(rows)",
    "ticket-queryset-update": "Ticket.objects.filter(pk=1).update(next_due_at=None)",
    "ticket-queryset-variable": "qs = Ticket.objects.filter(pk=1)\nqs.update(urge_count=0)",
    "ticket-save": "def f(ticket):\n    ticket.save()",
    "related-ticket-save": "def f(case):\n    case.ticket.save(update_fields=['title'])",
    "annotated-save": "def f(order: Ticket):\n    order.save()",
    "constructed-save": "row = TicketEvent(ticket=t)\nrow.save()",
    "participants": "def f(visit):\n    visit.ticket.participants.add(1)",
    "through-table": "Ticket.participants.through.objects.bulk_create([])",
    "reverse-accessor": "def f(customer):\n    customer.tickets.update(customer_grade='A')",
    "timeline-accessor": "def f(order):\n    order.events.create(kind='note')",
    "aliased": "from kefu.tickets.models import Ticket as T\nT.objects.update(title='x')",
}
ALLOWED = {
    "read": "Ticket.objects.filter(pk=1).first()",
    "lock": "Ticket.objects.select_for_update().get(pk=1)",
    "own-model": "def f(case):\n    case.save()",
    "own-rows-of-an-order": "def f(ticket):\n    ticket.deadlines.filter(met_at=None).update(x=1)",
    "dict-update": "def f(ticket):\n    ticket.extra.update({'a': 1})",
    "own-queryset": "ComplaintCase.objects.filter(ticket=t).update(major_notified_at=now)",
    "service": "timeline_append(ticket=ticket, kind='note', now=now)",
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_the_check_finds_a_foreign_write(source):
    imports = "from kefu.tickets.models import Ticket, TicketEvent\n"
    found = foreign_writes(imports + source)
    assert len(found) == 1, found


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_the_check_lets_reads_and_own_writes_through(source):
    imports = "from kefu.tickets.models import Ticket, TicketEvent\n"
    found = foreign_writes(imports + source)
    assert found == []
