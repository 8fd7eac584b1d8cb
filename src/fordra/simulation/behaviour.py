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
    ("never_pays", 0.24),
    ("disputes", 0.06),
)
DELAY_DAYS_MIN = 2
DELAY_DAYS_MAX = 12
PART_SHARE_PERCENT = 50


@dataclass(frozen=True)
class Behaviour:
    profile: str
    delay_days: int


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
    return Behaviour(profile=profile, delay_days=rng.randint(DELAY_DAYS_MIN, DELAY_DAYS_MAX))
