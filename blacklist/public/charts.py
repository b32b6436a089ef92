"""Bar charts drawn on the server as SVG geometry: no scripts, readable without them."""

from dataclasses import dataclass

WIDTH = 640
BAR_AREA = 200
LABEL_SPACE = 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    series: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    series: int


def bar_chart(groups: list[tuple[str, list[int]]], *, width: int = WIDTH) -> Chart:
    """One group of bars per label; each group has one bar per series, side by side."""
    series = max((len(values) for _, values in groups), default=1)
    top = max((v for _, values in groups for v in values), default=0) or 1
    slot = width / max(len(groups), 1)
    bar_width = max(slot * 0.8 / series, 1.0)
    bars = []
    for index, (label, values) in enumerate(groups):
        for position, value in enumerate(values):
            height = BAR_AREA * value / top
            bars.append(
                Bar(
                    x=round(index * slot + slot * 0.1 + position * bar_width, 1),
                    y=round(BAR_AREA - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    value=value,
                    label=label,
                    series=position,
                )
            )
    return Chart(width=width, height=BAR_AREA + LABEL_SPACE, bars=bars, series=series)
