"""How simulated debtors behave: who pays when, who pays part, who objects, who never pays.

Deterministic per (seed, case number), so a simulation can be re-run exactly. The shares are a
plausible consumer portfolio, not statistics: change them freely for a what-if.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PROFILES: tuple[tuple[str, float], ...] = (
    ("pays_before_reminder", 0.08),
    ("pays_after_reminder", 0.32),
    ("pays_after_demand", 0.20),
    ("pays_part_after_demand", 0.10),
    ("asks_for_plan", 0.08),
    ("never_pays", 0.16),
    ("disputes", 0.06),
)
DELAY_DAYS_MIN = 2
DELAY_DAYS_MAX = 12
PART_SHARE_PERCENT = 50
PLAN_INSTALLMENTS_MIN = 2
PLAN_INSTALLMENTS_MAX = 6
PLAN_KEPT_SHARE = 0.7  # of those who ask for a plan, this many pay every installment


@dataclass(frozen=True)
class Behaviour:
    profile: str
    delay_days: int
    plan_installments: int = 0  # asks_for_plan: how many monthly installments
    keeps_plan: bool = True  # asks_for_plan: pays every installment, or only the first


def behaviour_for(*, seed: int, case_number: int) -> Behaviour:
    rng = random.Random(f"{seed}:{case_number}")
    pick = rng.random()
    total = 0.0
    profile = PROFILES[-1][0]
    for name, share in PROFILES:
        total += share
        if pick < total:
            profile = name
            break
    delay = rng.randint(DELAY_DAYS_MIN, DELAY_DAYS_MAX)
    if profile != "asks_for_plan":
        return Behaviour(profile=profile, delay_days=delay)
    return Behaviour(
        profile=profile,
        delay_days=delay,
        plan_installments=rng.randint(PLAN_INSTALLMENTS_MIN, PLAN_INSTALLMENTS_MAX),
        keeps_plan=rng.random() < PLAN_KEPT_SHARE,
    )
