"""A server-rendered SVG bar chart: no JavaScript chart library needed."""

from dataclasses import dataclass

WIDTH, HEIGHT = 420, 170
# Room on the left for the scale, below for week labels, above for counts.
LEFT, BOTTOM, TOP = 40, 22, 18


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    earnings: object
    completed: int
    count_y: float
    cx: float


def weekly_bars(weeks):
    """Bars for earnings per week, with each week's completed count above it."""
    peak = max((w["earnings"] for w in weeks), default=0) or 1
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(weeks), 1)
    bars = []
    for i, week in enumerate(weeks):
        h = float(week["earnings"]) / float(peak) * plot_h
        x = LEFT + i * slot + slot * 0.15
        y = TOP + plot_h - h
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(y, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                label=week["start"].strftime("%d %b"),
                earnings=week["earnings"],
                completed=week["completed"],
                count_y=round(y - 4, 1),
                cx=round(x + slot * 0.35, 1),
            )
        )
    return {
        "bars": bars,
        "width": WIDTH,
        "height": HEIGHT,
        "peak": peak,
        "has_data": any(w["earnings"] or w["completed"] for w in weeks),
        "axis_y": HEIGHT - BOTTOM,
        "left": LEFT,
        "top": TOP,
        "label_y": HEIGHT - BOTTOM + 16,
    }
