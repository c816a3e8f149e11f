"""The work-order hook: registered in ``FollowupsConfig.ready``, it runs inside the
transaction of every ticket transition."""

from __future__ import annotations


def on_transition(ticket, *, action, from_status, to_status, actor, now) -> None:
    from kefu.followups.services import on_ticket_moved

    on_ticket_moved(ticket, action=action, actor=actor, now=now)
