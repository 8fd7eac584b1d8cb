"""A stacked-area SVG of the portfolio by state over time (no plotting dependency needed)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, MARGIN, LEGEND_WIDTH = 960, 420, 50, 170
COLOURS = {
    "open": "#9db4d0",
    "reminder": "#f2c14e",
    "demand": "#f78154",
    "disputed": "#b33f62",
    "plan": "#5b8e7d",
    "kfm": "#6a4c93",
    "judgment": "#8e5fb0",
    "enforcement": "#b07cc6",
    "surveillance": "#5c6f7b",
    "closed_paid": "#4d9078",
    "closed_recalled": "#8d8d8d",
    "closed_written_off": "#b0b0b0",
    "closed_time_barred": "#d0d0d0",
}


def states_svg(*, days: Sequence[str], series: dict[str, Sequence[int]], title: str) -> str:
    """``series`` maps a state to its count per day; drawn stacked in COLOURS order."""
    states = [s for s in COLOURS if s in series] + sorted(s for s in series if s not in COLOURS)
    n = len(days)
    totals = [sum(series[s][i] for s in states) for i in range(n)] or [0]
    top = max(max(totals), 1)
    plot_w, plot_h = WIDTH - 2 * MARGIN - LEGEND_WIDTH, HEIGHT - 2 * MARGIN

    def x(i: int) -> float:
        return MARGIN + (plot_w * i / max(n - 1, 1))

    def y(v: float) -> float:
        return HEIGHT - MARGIN - plot_h * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<text x="{MARGIN}" y="24" font-size="16">{escape(title)}</text>',
    ]
    base = [0] * n
    for state in states:
        upper = [base[i] + series[state][i] for i in range(n)]
        points = [f"{x(i):.1f},{y(upper[i]):.1f}" for i in range(n)]
        points += [f"{x(i):.1f},{y(base[i]):.1f}" for i in reversed(range(n))]
        colour = COLOURS.get(state, "#cccccc")
        parts.append(
            f'<polygon points="{" ".join(points)}" fill="{colour}" stroke="none">'
            f"<title>{escape(state)}</title></polygon>"
        )
        base = upper
    parts.append(
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{MARGIN + plot_w}" y2="{HEIGHT - MARGIN}" '
        'stroke="#333"/>'
    )
    for i in sorted({0, n // 2, n - 1}) if n else []:
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - MARGIN + 18}" text-anchor="middle">'
            f"{escape(days[i])}</text>"
        )
    parts.append(f'<text x="{MARGIN - 8}" y="{y(top):.1f}" text-anchor="end">{top}</text>')
    for k, state in enumerate(states):
        lx = WIDTH - LEGEND_WIDTH
        ly = MARGIN + 10 + 16 * k
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
            f'fill="{COLOURS.get(state, "#cccccc")}"/>'
            f'<text x="{lx + 18}" y="{ly}">{escape(state)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
