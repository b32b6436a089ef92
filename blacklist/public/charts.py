"""Bar charts drawn on the server as SVG: no scripts and no inline styles (CSP), with axes,
labels and values, and a text alternative that says in words what the bars show."""

from dataclasses import dataclass

WIDTH = 640
PLOT_HEIGHT = 200
TOP = 16  # room for the value above the tallest bar
LEFT = 48  # room for the vertical axis' numbers
BOTTOM = 40  # room for the labels under the bars
MAX_LABELS = 12  # more groups than this: every n-th label only, so they never overlap


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
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    series: int
    description: str
    show_values: bool


def _ticks(top: int) -> list[int]:
    """0, the middle and the top of the scale, in whole numbers."""
    return sorted({0, top // 2, top}) if top > 1 else [0, 1]


def bar_chart(
    groups: list[tuple[str, list[int]]], *, series_names: list[str], width: int = WIDTH
) -> Chart:
    """One group of bars per label; each group has one bar per series, side by side."""
    series = max((len(values) for _, values in groups), default=1)
    top = max((v for _, values in groups for v in values), default=0) or 1
    plot = width - LEFT - 8
    slot = plot / max(len(groups), 1)
    bar_width = max(slot * 0.8 / series, 1.0)
    baseline = TOP + PLOT_HEIGHT
    bars = []
    for index, (label, values) in enumerate(groups):
        for position, value in enumerate(values):
            height = PLOT_HEIGHT * value / top
            bars.append(
                Bar(
                    x=round(LEFT + index * slot + slot * 0.1 + position * bar_width, 1),
                    y=round(baseline - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    value=value,
                    label=label,
                    series=position,
                )
            )
    every = -(-len(groups) // MAX_LABELS) or 1
    labels = [
        Label(x=round(LEFT + index * slot + slot / 2, 1), text=label)
        for index, (label, _values) in enumerate(groups)
        if index % every == 0
    ]
    ticks = [Tick(y=round(baseline - PLOT_HEIGHT * v / top, 1), value=v) for v in _ticks(top)]
    return Chart(
        width=width,
        height=baseline + BOTTOM,
        left=LEFT,
        baseline=baseline,
        bars=bars,
        ticks=ticks,
        labels=labels,
        series=series,
        description=describe(groups, series_names=series_names),
        show_values=bar_width >= 14,  # a number fits above the bar
    )


def describe(groups: list[tuple[str, list[int]]], *, series_names: list[str]) -> str:
    """The chart in words, for screen readers: "2026-01: listed 3, expired 0; …"."""
    parts = []
    for label, values in groups:
        if len(series_names) == 1 and len(values) == 1:
            parts.append(f"{label}: {values[0]}")
        else:
            pairs = ", ".join(f"{n} {v}" for n, v in zip(series_names, values, strict=False))
            parts.append(f"{label}: {pairs}")
    return "; ".join(parts)
