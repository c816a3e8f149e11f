"""Demo time limits: the built-in calendars and the property-management preset (物业)."""

from __future__ import annotations

import random

from kefu.calendars.services import calendars_ensure
from kefu.sla import services
from kefu.sla.models import SlaPolicy

ORDER = 15
INDUSTRY = "property"


def load(*, rng: random.Random) -> dict[str, int]:
    created = calendars_ensure()
    result = {"calendars": created["calendars"], "years": created["years"], "policies": 0}
    # Load the preset only once, so a rerun never undoes what an administrator changed.
    if not SlaPolicy.objects.filter(industry=INDUSTRY).exists():
        counts = services.sla_preset_load(industry=INDUSTRY)
        result["policies"] = counts["policies_created"]
    return result
