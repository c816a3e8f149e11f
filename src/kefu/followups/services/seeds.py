"""The seed rows the return visits start from."""

from __future__ import annotations


def seeds_ensure() -> None:
    """Create the missing seed rows (reasons, default questionnaire, plan rules)."""
    from django.apps import apps

    from kefu.followups.seeds import seed

    seed(apps)
