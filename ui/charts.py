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


#: Colours of a waterfall: a part that adds to the loss, one that takes from it, the total.
WATERFALL_COLOURS = ("#b5543c", "#2e8b57", "#1f5f8b")
#: Colours of a roll-forward's waterfall: an increase of the collateral, a decrease, a total.
ROLLFORWARD_COLOURS = ("#2e8b57", "#b5543c", "#1f5f8b")


def waterfall(
    parts: dict[str, float],
    total: str,
    x_title: str,
    tip_title: str,
    *,
    colours: tuple[str, str, str] | None = None,
    opening: bool = False,
) -> alt.LayerChart:
    """A horizontal waterfall: each part a bar from the running total before it, then the total.

    ``parts`` maps each shown label to its amount, in the order they add up; ``total`` is
    the last bar's label (the sum). Every bar is labelled with its amount. ``colours`` are
    those of a part that adds, one that takes away and the total (default
    :data:`WATERFALL_COLOURS`, for a loss); ``opening`` draws the first part as a total (a
    roll-forward's opening balance).
    """
    names = [*parts, total]
    amounts = np.array(list(parts.values()), dtype=float)
    end = np.cumsum(amounts)
    start = end - amounts
    grand = float(end[-1]) if len(end) else 0.0
    kind = [0 if v >= 0 else 1 for v in amounts] + [2]
    if opening and len(amounts):
        kind[0] = 2
    data = pd.DataFrame(
        {
            "name": names,
            "start": [*start, 0.0],
            "end": [*end, grand],
            "amount": [*amounts, grand],
            "kind": kind,
        }
    )
    data["tip"] = data[["start", "end"]].max(axis=1)
    span = max(float(data[["start", "end"]].abs().to_numpy().max()), 1.0)
    low = min(0.0, float(data[["start", "end"]].to_numpy().min()))
    # Room right of the longest bar for its label.
    scale = alt.Scale(domain=[low, span * 1.22], nice=False)
    y = alt.Y("name:N", sort=names, title=None, axis=alt.Axis(labelLimit=300))
    bars = (
        alt.Chart(data)
        .mark_bar(height=alt.RelativeBandSize(0.7))
        .encode(
            y=y,
            x=alt.X("start:Q", title=x_title, scale=scale, axis=alt.Axis(format=",.0f")),
            x2="end:Q",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=[0, 1, 2], range=list(colours or WATERFALL_COLOURS)),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("name:N", title=tip_title),
                alt.Tooltip("amount:Q", title=x_title, format=",.0f"),
            ],
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", dx=5, fontSize=12)
        .encode(y=y, x=alt.X("tip:Q", scale=scale), text=alt.Text("amount:Q", format=",.0f"))
    )
    return alt.layer(bars, text).properties(height=44 * len(data) + 30)


#: One colour per category key, the same in every language (labels differ, keys do not);
#: copper is copper-coloured and steel slate, so the two never read as one.
CATEGORY_COLOURS = {
    "apparel": "#8e44ad",
    "electronics": "#1f5f8b",
    "food": "#2e8b57",
    "home_appliances": "#d4a017",
    "auto_parts": "#7f8c8d",
    "steel": "#2c3e50",
    "copper": "#c06a2b",
    "generic": "#e377c2",
}
_MORE_COLOURS = ("#17becf", "#bcbd22", "#8c564b", "#ff7f0e", "#9467bd", "#d62728")
# Dash patterns, one per line, so that lines drawn on top of one another stay told apart.
_DASHES = ([1, 0], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [12, 2], [2, 6], [6, 2, 2, 2])


#: Steel and copper hold their value alike (their lines coincide): steel is drawn dotted
#: over a solid copper line, so both show.
CATEGORY_DASHES = {"steel": [2, 6], "copper": [1, 0]}


def category_colours(keys: list[str], labels: dict[str, str]) -> dict[str, str]:
    """Shown label -> colour for the given category keys (stable across languages)."""
    spare = iter(_MORE_COLOURS * 4)
    return {labels[k]: CATEGORY_COLOURS.get(k) or next(spare) for k in keys}


def category_dashes(keys: list[str], labels: dict[str, str]) -> dict[str, list[int]]:
    """Shown label -> dash pattern for the given category keys (stable across languages)."""
    return {
        labels[k]: CATEGORY_DASHES.get(k) or list(_DASHES[i % len(_DASHES)])
        for i, k in enumerate(keys)
    }


def lines(
    frame: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    titles: dict[str, str],
    y_format: str = ",.0f",
    colours: dict[str, str] | None = None,
    dashes: dict[str, list[int]] | None = None,
    mark: tuple[float, float, str] | None = None,
    y_zero: bool = True,
    x_ticks: list[float] | None = None,
) -> alt.Chart | alt.LayerChart:
    """One line per ``color`` value, each with its own colour and dash pattern.

    ``colours`` maps each value to its colour (in that order in the legend); without it the
    values are ordered as they first appear in the frame. ``mark`` (x, y, label) rings one
    point, named in a legend of its own, e.g. the current assumptions' point.
    ``y_zero=False`` lets the y axis start near the smallest value (lines that differ by a
    few percent); ``x_ticks`` are the only x values labelled (the points of a grid).
    """
    domain = list(colours) if colours else list(dict.fromkeys(frame[color]))
    scale = (
        alt.Scale(domain=domain, range=list(colours.values()))
        if colours
        else alt.Scale(domain=domain)
    )
    patterns = [
        (dashes or {}).get(value) or list(_DASHES[i % len(_DASHES)])
        for i, value in enumerate(domain)
    ]
    # One legend for colour and dash (same field, same title): a short line of each.
    legend = alt.Legend(title=titles[color], symbolType="stroke", symbolStrokeWidth=3)
    chart = (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X(
                f"{x}:Q",
                title=titles[x],
                axis=alt.Axis(values=x_ticks) if x_ticks else alt.Axis(),
            ),
            y=alt.Y(
                f"{y}:Q",
                title=titles[y],
                axis=alt.Axis(format=y_format),
                scale=alt.Scale(zero=y_zero),
            ),
            color=alt.Color(f"{color}:N", scale=scale, sort=domain, legend=legend),
            strokeDash=alt.StrokeDash(
                f"{color}:N",
                scale=alt.Scale(domain=domain, range=patterns),
                sort=domain,
                legend=legend,
            ),
            tooltip=[
                alt.Tooltip(f"{color}:N", title=titles[color]),
                alt.Tooltip(f"{x}:Q", title=titles[x]),
                alt.Tooltip(f"{y}:Q", title=titles[y], format=y_format),
            ],
        )
    )
    if mark is None:
        return chart.properties(height=340)
    at = pd.DataFrame({"x": [mark[0]], "y": [mark[1]], "label": [mark[2]]})
    # A dark ring named in a legend of its own: a label by the point would cross the lines.
    ring = (
        alt.Chart(at)
        .mark_point(size=360, filled=False, strokeWidth=2.5, color="#222")
        .encode(
            x=alt.X("x:Q", title=titles[x]),
            y=alt.Y("y:Q", title=titles[y]),
            shape=alt.Shape(
                "label:N",
                scale=alt.Scale(domain=[mark[2]], range=["circle"]),
                legend=alt.Legend(title=None, symbolStrokeColor="#222", symbolSize=200),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=titles[color]),
                alt.Tooltip("x:Q", title=titles[x]),
                alt.Tooltip("y:Q", title=titles[y], format=y_format),
            ],
        )
    )
    return alt.layer(chart, ring).properties(height=340)


def histogram(values: np.ndarray, marks: dict[str, float], x_title: str, y_title: str) -> alt.Chart:
    """Histogram of a sample with labelled vertical rules (e.g. the 95% and 99% quantiles)."""
    counts, edges = np.histogram(values, bins=60)
    bins = pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts})
    # The axis starts at zero (a loss of nothing), whatever the smallest loss drawn.
    lo = min(0.0, float(edges[0]))
    hi = max(float(edges[-1]), *marks.values()) if marks else float(edges[-1])
    x_scale = alt.Scale(domain=[lo, hi], zero=True, nice=True)
    axis = alt.Axis(format=",.0f", values=_ticks(lo, hi), labelOverlap=True)
    bars = (
        alt.Chart(bins)
        .mark_bar(color="#1f5f8b", opacity=0.8)
        .encode(
            x=alt.X("start:Q", title=x_title, axis=axis, scale=x_scale),
            x2="end:Q",
            y=alt.Y("count:Q", title=y_title),
            y2=alt.datum(0),
        )
    )
    rules_frame = pd.DataFrame({"name": list(marks), "value": list(marks.values())})
    rules = (
        alt.Chart(rules_frame)
        .mark_rule(color="#c0392b", strokeDash=[6, 3], size=2)
        .encode(x=alt.X("value:Q", scale=x_scale))
    )
    # One label per rule, each on its own line, on the rule's open side (left of a rule in
    # the right half), on a white box, so that close quantiles never print over each other.
    labels = []
    # A white halo under the label, then the label itself.
    halo = {"stroke": "white", "strokeWidth": 4, "strokeOpacity": 0.9}
    for i in range(len(rules_frame)):
        right_half = rules_frame["value"].iloc[i] > lo + 0.6 * (hi - lo)
        for extra in (halo, {}):
            labels.append(
                alt.Chart(rules_frame.iloc[[i]])
                .mark_text(
                    align="right" if right_half else "left",
                    dx=-6 if right_half else 6,
                    color="#c0392b",
                    fontSize=12,
                    fontWeight="bold",
                    **extra,
                )
                .encode(x=alt.X("value:Q", scale=x_scale), y=alt.value(14 + 18 * i), text="name:N")
            )
    zero = (
        alt.Chart(pd.DataFrame({"x": [0.0]}))
        .mark_rule(color="#333", size=1.5)
        .encode(x=alt.X("x:Q", scale=x_scale))
    )
    return alt.layer(bars, zero, rules, *labels).properties(height=320)


def _ticks(lo: float, hi: float, count: int = 8) -> list[float]:
    """About ``count`` round tick values over [lo, hi], zero among them."""
    span = (hi - lo) or 1.0
    raw = span / count
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = np.floor(lo / step) * step
    return [float(v) for v in np.arange(first, hi + step / 2, step)]


def scatter(frame: pd.DataFrame, x: str, y: str, name: str, titles: dict[str, str]) -> alt.Chart:
    """Labelled points, e.g. cash now against the loss kept, one per route.

    Points that (nearly) coincide share one label, "A · B", so that labels never overlap
    one another; labels of points near the right edge go on their left.
    """
    data = frame[[x, y, name]].copy()
    span_x = float(data[x].max() - data[x].min()) or 1.0
    span_y = float(data[y].max() - data[y].min()) or 1.0
    spot = list(zip((data[x] / span_x * 50).round(), (data[y] / span_y * 25).round(), strict=True))
    data["_label"] = ""
    for key in dict.fromkeys(spot):
        rows = [i for i, s in enumerate(spot) if s == key]
        data.iloc[rows[0], data.columns.get_loc("_label")] = " · ".join(
            str(data[name].iloc[i]) for i in rows
        )
    data["_right"] = data[x] > data[x].min() + 0.75 * span_x
    base = alt.Chart(data).encode(
        x=alt.X(f"{x}:Q", title=titles[x], axis=alt.Axis(format=",.0f")),
        y=alt.Y(f"{y}:Q", title=titles[y], axis=alt.Axis(format=",.0f")),
        tooltip=[
            alt.Tooltip(f"{name}:N", title=titles[name]),
            alt.Tooltip(f"{x}:Q", title=titles[x], format=",.0f"),
            alt.Tooltip(f"{y}:Q", title=titles[y], format=",.0f"),
        ],
    )
    points = base.mark_circle(size=160).encode(color=alt.Color(f"{name}:N", legend=None))
    left = base.transform_filter("!datum._right").mark_text(align="left", dx=10, fontSize=13)
    right = base.transform_filter("datum._right").mark_text(align="right", dx=-10, fontSize=13)
    text = [layer.encode(text="_label:N") for layer in (left, right)]
    return alt.layer(points, *text).properties(height=360)


#: A fixed colour per route, so that a route keeps its colour whatever the mix uses.
ROUTE_COLOURS = {
    "hold": "#9aa5b1",
    "liquidate": "#b5543c",
    "pledge_loan": "#1f5f8b",
    "receipt_trust": "#2e8b57",
    "abs": "#d4a017",
}


def share_bars(
    frame: pd.DataFrame, routes: dict[str, str], titles: dict[str, str], currency: str
) -> alt.Chart:
    """One stacked horizontal bar per category: the share of its value sent to each route.

    ``frame`` has ``category`` (display name), ``route`` (display name), ``route_code``,
    ``share``, ``market_value`` and ``cash_now``; ``routes`` maps each route code to its
    display name, in the legend's order.
    """
    order = frame.groupby("category", sort=False)["market_value"].sum().sort_values(ascending=False)
    stack = {code: i for i, code in enumerate(routes)}
    data = frame.assign(order=frame["route_code"].map(stack))
    base = alt.Chart(data).encode(
        y=alt.Y("category:N", sort=order.index.tolist(), title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X(
            "share:Q",
            stack="zero",
            title=titles["share"],
            axis=alt.Axis(format=".0%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        order=alt.Order("order:Q"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "route:N",
            title=titles["route"],
            scale=alt.Scale(domain=list(routes.values()), range=[ROUTE_COLOURS[c] for c in routes]),
            legend=alt.Legend(orient="bottom", labelLimit=240),
        ),
        tooltip=[
            alt.Tooltip("category:N", title=titles["category"]),
            alt.Tooltip("route:N", title=titles["route"]),
            alt.Tooltip("share:Q", title=titles["share"], format=".1%"),
            alt.Tooltip(
                "market_value:Q", title=f"{titles['market_value']} ({currency})", format=",.0f"
            ),
            alt.Tooltip("cash_now:Q", title=f"{titles['cash_now']} ({currency})", format=",.0f"),
        ],
    )
    # The share on the segments wide enough to hold it.
    text = (
        base.transform_stack(
            stack="share", groupby=["category"], sort=[{"field": "order"}], as_=["start", "end"]
        )
        .transform_filter(alt.datum.share >= 0.08)
        .transform_calculate(middle="(datum.start + datum.end) / 2")
        .mark_text(color="white", fontSize=12)
        .encode(x=alt.X("middle:Q"), text=alt.Text("share:Q", format=".0%"))
    )
    return (bars + text).properties(height=alt.Step(30))


def month_paths(
    frame: pd.DataFrame,
    series: dict[str, tuple[str, str, list[int]]],
    titles: dict[str, str],
    *,
    band: tuple[str, str, str, str] | None = None,
    marks: tuple[str, str, str, str] | None = None,
    y_format: str = ",.2f",
    height: int = 300,
) -> alt.Chart:
    """Monthly lines over ``frame["month"]`` (``YYYY-MM``), an optional band and marked months.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row a month: ``month`` and the columns named below.
    series : dict
        Column -> (shown label, colour, dash pattern), one line each, in the legend's order.
    titles : dict
        ``month``, ``value`` and ``series``: the axes' and the legend's titles (translated).
    band : (lower column, upper column, shown label, colour), optional
        A shaded band between two columns.
    marks : (flag column, value column, shown label, colour), optional
        A point on ``value column`` in each month whose flag is true.
    """
    data = frame.assign(month=pd.to_datetime(frame["month"], format="%Y-%m"))
    # Months written as numbers: Vega's own month names are English whatever the language.
    x = alt.X("month:T", title=titles["month"], axis=alt.Axis(format="%Y-%m", labelAngle=0))
    tip_month = alt.Tooltip("month:T", title=titles["month"], format="%Y-%m")
    labels = [shown for shown, _, _ in series.values()]
    long = data.melt(id_vars="month", value_vars=list(series), var_name="key", value_name="value")
    long["series"] = long["key"].map({k: v[0] for k, v in series.items()})
    domain, colours = list(labels), [c for _, c, _ in series.values()]
    layers = []
    if band is not None:
        domain.append(band[2])
        colours.append(band[3])
    if marks is not None:
        domain.append(marks[2])
        colours.append(marks[3])
    scale = alt.Scale(domain=domain, range=colours)
    # The legend's symbols drawn whole: the band's area would lend them its transparency.
    legend = alt.Legend(
        title=titles["series"], orient="bottom", symbolStrokeWidth=3, symbolOpacity=1
    )
    color = alt.Color("series:N", scale=scale, sort=domain, legend=legend)
    if band is not None:
        lower, upper, band_label, _ = band
        layers.append(
            alt.Chart(data.assign(series=band_label))
            .mark_area(opacity=0.22)
            .encode(
                x=x,
                y=alt.Y(f"{lower}:Q"),
                y2=alt.Y2(f"{upper}:Q"),
                color=color,
                tooltip=[
                    tip_month,
                    alt.Tooltip(f"{lower}:Q", title=f"{band_label} ↓", format=y_format),
                    alt.Tooltip(f"{upper}:Q", title=f"{band_label} ↑", format=y_format),
                ],
            )
        )
    dashes = alt.Scale(domain=labels, range=[d for _, _, d in series.values()])
    layers.append(
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2.2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=titles["value"], axis=alt.Axis(format=y_format)),
            color=color,
            strokeDash=alt.StrokeDash("series:N", scale=dashes, legend=None),
            tooltip=[
                tip_month,
                alt.Tooltip("series:N", title=titles["series"]),
                alt.Tooltip("value:Q", title=titles["value"], format=y_format),
            ],
        )
    )
    if marks is not None:
        flag, value, mark_label, _ = marks
        layers.append(
            alt.Chart(data[data[flag]].assign(series=mark_label))
            .mark_point(shape="triangle-down", size=140, filled=True, opacity=1)
            .encode(
                x=x,
                y=alt.Y(f"{value}:Q"),
                color=color,
                tooltip=[tip_month, alt.Tooltip("series:N", title=titles["series"])],
            )
        )
    return alt.layer(*layers).resolve_scale(color="shared").properties(height=height)


def trend(
    frame: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    titles: dict[str, str],
    y_format: str = ",.0f",
    rules: dict[str, float] | None = None,
) -> alt.LayerChart:
    """Figures over a sequence of runs: one line with points per ``color`` value.

    ``x`` is a label per run, in the frame's order (runs, not a time axis: two runs may
    share a date). ``rules`` draws labelled horizontal lines (e.g. a loan's coverage lines).
    """
    order = list(dict.fromkeys(frame[x]))
    names = list(dict.fromkeys(frame[color]))
    scale = alt.Scale(domain=names, range=[*TREND_COLOURS][: max(len(names), 1)])
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:N", sort=order, title=titles[x], axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:Q", title=titles[y], axis=alt.Axis(format=y_format)),
        color=alt.Color(
            f"{color}:N",
            scale=scale,
            sort=names,
            # One figure with lines across it: the axis names the figure, the legend the lines.
            legend=None if rules and len(names) == 1 else alt.Legend(title=None, orient="top"),
        ),
        tooltip=[
            alt.Tooltip(f"{x}:N", title=titles[x]),
            alt.Tooltip(f"{color}:N", title=titles[color]),
            alt.Tooltip(f"{y}:Q", title=titles[y], format=y_format),
        ],
    )
    layers: list[alt.Chart] = [
        base.mark_line(strokeWidth=2.5),
        base.mark_point(size=70, filled=True),
    ]
    if not rules:
        return alt.layer(*layers).properties(height=300)
    # The lines named in a legend of their own: close lines' labels would print over
    # each other.
    marks = pd.DataFrame({"name": list(rules), "value": list(rules.values())})
    rule = (
        alt.Chart(marks)
        .mark_rule(strokeDash=[6, 3], strokeWidth=1.5)
        .encode(
            y=alt.Y("value:Q"),
            color=alt.Color(
                "name:N",
                scale=alt.Scale(domain=list(rules), range=list(RULE_COLOURS[: len(rules)])),
                sort=list(rules),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[alt.Tooltip("name:N"), alt.Tooltip("value:Q", format=y_format)],
        )
    )
    return alt.layer(*layers, rule).resolve_scale(color="independent").properties(height=300)


#: Colours of the trend lines, in the order of the figures.
TREND_COLOURS = ("#1f5f8b", "#2e8b57", "#b5543c", "#d4a017")
#: Colours of the lines drawn across a trend (a loan's warning, top-up, forced-sale lines).
RULE_COLOURS = ("#d4a017", "#e67e22", "#c0392b")
