"""Saved views (我的保存视图): a person keeps the queue page's filters and sort under a name
and finds them again as one more queue tab. Each person sees and changes only their own."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.org.models import User
from kefu.tickets.models import SavedQueueView

# What a saved view keeps of the queue page's address: the queue, the filters and the sort;
# not the page, the export or anything else.
SAVED_KEYS = (
    "queue",
    "sort",
    "text",
    "status",
    "ticket_type",
    "category",
    "department",
    "channel",
    "grade",
    "received_from",
    "received_to",
)


def saved_view_query(query: str | dict) -> str:
    """The part of a queue address a saved view keeps, in a stable order."""
    pairs = parse_qsl(query) if isinstance(query, str) else list(query.items())
    kept = [(key, value) for key, value in pairs if key in SAVED_KEYS and value]
    kept.sort(key=lambda pair: SAVED_KEYS.index(pair[0]))
    return urlencode(kept)


def _name_error(message: str, code: str) -> ValidationError:
    return ValidationError({"name": ValidationError(message, code=code)})


def _clean_name(owner: User, name: str, *, instance: SavedQueueView | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise _name_error(_("Give the view a name."), "required")
    limit = SavedQueueView.NAME_MAX_LENGTH
    if len(name) > limit:
        message = _("A view name has at most %(limit)d characters.") % {"limit": limit}
        raise _name_error(message, "max_length")
    others = SavedQueueView.objects.filter(owner=owner, name=name)
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        raise _name_error(_("You already have a saved view of that name."), "saved_view_name_taken")
    return name


@transaction.atomic
def saved_view_create(*, owner: User, name: str, query: str | dict) -> SavedQueueView:
    """Save the queue address *query* as *owner*'s view *name*."""
    # one person's views are written one at a time: the limit and the name stay checked
    list(User.objects.select_related(None).select_for_update().filter(pk=owner.pk).values("pk"))
    name = _clean_name(owner, name)
    if SavedQueueView.objects.filter(owner=owner).count() >= SavedQueueView.MAX_PER_PERSON:
        message = _(
            "You may keep at most %(limit)d saved views: delete one you no longer use first."
        ) % {"limit": SavedQueueView.MAX_PER_PERSON}
        raise _name_error(message, "saved_views_too_many")
    return SavedQueueView.objects.create(owner=owner, name=name, query=saved_view_query(query))


@transaction.atomic
def saved_view_rename(*, view: SavedQueueView, name: str) -> SavedQueueView:
    view.name = _clean_name(view.owner, name, instance=view)
    view.save(update_fields=["name"])
    return view


def saved_view_delete(*, view: SavedQueueView) -> None:
    view.delete()


def saved_view_url(view: SavedQueueView) -> str:
    """The queue page the view opens, marked as that view (its tab is the current one)."""
    from django.urls import reverse

    query = f"{view.query}&view={view.pk}" if view.query else f"view={view.pk}"
    return f"{reverse('tickets:queue')}?{query}"
