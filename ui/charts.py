"""Altair charts the pages share: labelled in the session's language, money on the axes."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def ordered_bars(frame: pd.DataFrame, x: str, y: str, x_title: str, y_title: str) -> alt.Chart:
    """Bars in the frame's row order (a ladder or a ranking), values labelled."""
    order = frame[x].tolist()
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=0, labelLimit=200)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=",.0f")),
        tooltip=[
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip(f"{y}:Q", title=y_title, format=",.0f"),
        ],
    )
    bars = base.mark_bar(color="#1f5f8b")
    text = base.mark_text(dy=-6, fontSize=12).encode(text=alt.Text(f"{y}:Q", format=",.0f"))
    return (bars + text).properties(height=320)


def ranked_bars(frame: pd.DataFrame, y: str, x: str, x_title: str) -> alt.Chart:
    """Horizontal bars, largest first, values labelled (long category names stay legible)."""
    base = alt.Chart(frame).encode(
        y=alt.Y(f"{y}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:Q", title=x_title, format=",.0f")],
    )
    bars = base.mark_bar(color="#b5543c")
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(
        text=alt.Text(f"{x}:Q", format=",.0f")
    )
    return (bars + text).properties(height=max(36 * len(frame), 120))


def lines(
    frame: pd.DataFrame, x: str, y: str, color: str, titles: dict[str, str], y_format: str = ",.0f"
) -> alt.Chart:
    """One line per ``color`` value."""
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:Q", title=titles[x]),
            y=alt.Y(f"{y}:Q", title=titles[y], axis=alt.Axis(format=y_format)),
            color=alt.Color(f"{color}:N", title=titles[color]),
            tooltip=[
                alt.Tooltip(f"{color}:N", title=titles[color]),
                alt.Tooltip(f"{x}:Q", title=titles[x]),
                alt.Tooltip(f"{y}:Q", title=titles[y], format=y_format),
            ],
        )
        .properties(height=340)
    )


def histogram(values: np.ndarray, marks: dict[str, float], x_title: str, y_title: str) -> alt.Chart:
    """Histogram of a sample with labelled vertical rules (e.g. the 95% and 99% quantiles)."""
    counts, edges = np.histogram(values, bins=60)
    bins = pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts})
    bars = (
        alt.Chart(bins)
        .mark_bar(color="#1f5f8b", opacity=0.8)
        .encode(
            x=alt.X("start:Q", title=x_title, axis=alt.Axis(format=",.0f")),
            x2="end:Q",
            y=alt.Y("count:Q", title=y_title),
            y2=alt.datum(0),
        )
    )
    rules_frame = pd.DataFrame({"name": list(marks), "value": list(marks.values())})
    rules = (
        alt.Chart(rules_frame)
        .mark_rule(color="#c0392b", strokeDash=[6, 3], size=2)
        .encode(x="value:Q")
    )
    # One label per rule, each on its own line, so that close quantiles stay legible.
    labels = [
        alt.Chart(rules_frame.iloc[[i]])
        .mark_text(align="left", dx=4, color="#c0392b", fontSize=12)
        .encode(x="value:Q", y=alt.value(12 + 16 * i), text="name:N")
        for i in range(len(rules_frame))
    ]
    return alt.layer(bars, rules, *labels).properties(height=320)


def scatter(frame: pd.DataFrame, x: str, y: str, name: str, titles: dict[str, str]) -> alt.Chart:
    """Labelled points, e.g. cash now against the loss kept, one per route."""
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:Q", title=titles[x], axis=alt.Axis(format=",.0f")),
        y=alt.Y(f"{y}:Q", title=titles[y], axis=alt.Axis(format=",.0f")),
        tooltip=[
            alt.Tooltip(f"{name}:N", title=titles[name]),
            alt.Tooltip(f"{x}:Q", title=titles[x], format=",.0f"),
            alt.Tooltip(f"{y}:Q", title=titles[y], format=",.0f"),
        ],
    )
    points = base.mark_circle(size=160).encode(color=alt.Color(f"{name}:N", legend=None))
    text = base.mark_text(align="left", dx=10, fontSize=13).encode(text=f"{name}:N")
    return (points + text).properties(height=360)
