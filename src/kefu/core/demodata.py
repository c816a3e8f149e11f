"""Demo data: deterministic (seeded) and idempotent, built to grow.

Each kefu app may have a ``demo`` module with ``ORDER`` (int) and
``load(*, rng: random.Random) -> dict[str, int]`` returning what it created. Loaders only
create what is missing (looked up by natural keys), so running the demo twice changes
nothing and never overwrites what users entered.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable

from django.apps import apps
from django.db import transaction

DEMO_SEED = 20261123
DEMO_PASSWORD = "kefu-demo-2026"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
    "潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文婷雪梅晨宇浩然思雨欣怡子轩梓涵一诺佳琪俊杰"
    "晓东海燕春晖立新振华德明金凤秋菊冬梅瑞林嘉豪"
)


def chinese_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def mobile_number(rng: random.Random) -> str:
    prefix = rng.choice(
        ("138", "139", "135", "136", "137", "150", "151", "158", "186", "187", "189", "177")
    )
    return prefix + "".join(str(rng.randrange(10)) for _ in range(8))


def scaled(count: int) -> int:
    """*count* scaled by the DEMO_PERCENT setting (at least 1)."""
    from django.conf import settings

    return max(1, count * settings.DEMO_PERCENT // 100)


def loaders() -> list[tuple[int, str, Callable]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kefu."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        found.append((module.ORDER, config.label, module.load))
    return sorted(found, key=lambda item: item[0])


def load_all(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, dict[str, int]]:
    """Run every app's demo loader in order, each in its own transaction."""
    results = {}
    for _order, label, load in loaders():
        with transaction.atomic():
            results[label] = load(rng=random.Random(f"{DEMO_SEED}:{label}"))
        progress(f"{label}: {results[label]}")
    return results
