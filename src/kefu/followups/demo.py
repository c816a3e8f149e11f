"""Demo return visits: the orders the tickets demo resolved get their visits (some
satisfied, some not), and the A-grade customers get a return-visit file."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from kefu.followups.models import ReturnVisit, ReturnVisitPlan, VisitAttempt, VisitStatus
from kefu.followups.services.plans import plan_create, plans_generate
from kefu.followups.services.results import return_visit_record
from kefu.followups.services.seeds import seeds_ensure

ORDER = 40


def load(*, rng: random.Random) -> dict[str, int]:
    from kefu.customers.models import Customer

    seeds_ensure()
    now = timezone.now()
    recorded = 0
    # once: a rerun must not answer the visits left on the visitors' lists
    first_load = not VisitAttempt.objects.exists()
    pending = (
        ReturnVisit.objects.filter(status=VisitStatus.PENDING)
        .select_related("ticket", "assignee", "handler")
        .order_by("id")
    )
    for visit in pending[:20] if first_load else []:
        actor = visit.assignee
        if actor is None or rng.random() < 0.3:
            continue  # some stay on the visitors' lists
        score = rng.choice((5, 5, 4, 4, 4, 3, 2))
        return_visit_record(
            visit=visit,
            actor=actor,
            reached=True,
            resolved=score >= 3,
            satisfaction=score,
            customer_words="" if score >= 3 else "维修后仍有问题，希望再来看看",
            now=now,
        )
        recorded += 1
    plans = 0
    for customer in Customer.objects.active().filter(grade="A").order_by("id")[:5]:
        if (
            ReturnVisitPlan.objects.filter(customer=customer).exists()
            or not customer.account_manager
        ):
            continue
        plan_create(
            customer=customer,
            name=f"{customer.name}服务项目",
            delivered_on=timezone.localdate(now) - timedelta(days=rng.randrange(60, 500)),
            actor=customer.account_manager,
            now=now,
        )
        plans += 1
    generated = plans_generate(today=timezone.localdate(now), now=now)
    return {"visits_recorded": recorded, "files": plans, "planned_visits": generated["planned"]}
