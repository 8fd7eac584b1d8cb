"""Synthetic data for demos, simulations and benchmarks: deterministic from a seed, no clock.

Generated portfolios contain valid-checksum personnummer of invented people; they stay on the
machine that made them and are never committed (committed fixtures use Skatteverket's test
personnummer instead).
"""

from fordra.synthetic.portfolio import (
    SYNTHETIC_COLUMNS,
    SyntheticCreditor,
    generate_claim_rows,
    generate_creditors,
    write_claims_csv,
)

__all__ = [
    "SYNTHETIC_COLUMNS",
    "SyntheticCreditor",
    "generate_claim_rows",
    "generate_creditors",
    "write_claims_csv",
]
