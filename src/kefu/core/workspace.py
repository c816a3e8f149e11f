"""Cards on the workspace (我的工作台): each app registers a function that returns the
cards it has for a user — counts with a link to the list behind them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Card:
    label: str
    value: int | str
    url: str
    key: str
    alert: bool = False  # shown highlighted (e.g. overdue work)


_providers: list[Callable[[object], list[Card]]] = []


def register(provider: Callable[[object], list[Card]]) -> Callable[[object], list[Card]]:
    _providers.append(provider)
    return provider


def cards_for(user) -> list[Card]:
    cards: list[Card] = []
    for provider in _providers:
        cards.extend(provider(user))
    return cards
