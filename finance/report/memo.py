"""The PDF credit memo: what a credit committee reads about one valuation, in English or Chinese.

Sections: the title and the run's identity; the summary (the headline figures and the
recommended route); the borrowing-base certificate (:mod:`finance.report.certificate`);
the collateral by category and by warehouse; the risk figures with two charts (the holding
loss across scenarios with its 95% and 99% marks, the borrowing base by category); the
routes and the recommendation with its risks; the assumptions used. A4, a header and a
page number on every page, tables that carry their headings over a page break.

Every word comes from the core's catalogs (``finance/locale/en.toml``, ``zh.toml``, section
``memo``). The text is set in a CJK font in both languages (a warehouse's or a category's
name may be Chinese in an English memo), embedded as a subset: Debian's WenQuanYi Micro Hei
(``fonts-wqy-microhei``) or the TrueType file ``FINANCE_CJK_FONT`` names
(:func:`cjk_font`). The charts are drawn with fpdf2's own lines and rectangles.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, WrapMode, XPos, YPos

from finance.inputs.assumptions import Assumptions
from finance.locale import catalog, check_lang, label, t, wrap
from finance.report.certificate import certificate_table
from finance.result import ValuationResult

#: Where the CJK font is looked for, in order, after ``FINANCE_CJK_FONT``.
FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
FONT_ENV = "FINANCE_CJK_FONT"
_FONT = "cjk"

# Colours (RGB): ink, a muted grey, the accent for headings and bars, rules and fills.
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_ACCENT = (31, 78, 121)
_LIGHT = (164, 194, 221)
_RULE = (206, 212, 218)
_HEAD_FILL = (226, 234, 243)
_ZEBRA = (247, 248, 250)
_TOTAL_FILL = (221, 231, 242)
_P95 = (230, 126, 34)
_P99 = (192, 57, 43)

#: The summary's headline figures, in order: (key, kind) with kind ``money`` or ``pct``.
SUMMARY_FIGURES: tuple[tuple[str, str], ...] = (
    ("market_value", "money"),
    ("book_value", "money"),
    ("eligible_value", "money"),
    ("borrowing_base", "money"),
    ("portfolio_haircut", "pct"),
    ("expected_holding_loss", "money"),
    ("holding_loss_at_company_rate", "money"),
    ("holding_loss_p95", "money"),
    ("holding_loss_p99", "money"),
)
_RISK_FIGURES: tuple[tuple[str, str], ...] = (
    ("expected_holding_loss", "money"),
    ("holding_loss_std_error", "money"),
    ("holding_loss_p95", "money"),
    ("holding_loss_p99", "money"),
    ("portfolio_haircut", "pct"),
    ("weighted_lot_haircut", "pct"),
    ("ineligible_value", "money"),
    ("concentration_excess", "money"),
    ("loan_amount", "money"),
    ("loan_all_in_cost", "pct"),
    ("lender_expected_loss", "money"),
)
_ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    ("valuation_date", "text"),
    ("currency", "text"),
    ("scenarios", "count"),
    ("seed", "text"),
    ("confidence", "pct"),
    ("margin_period_days", "text"),
    ("correlation", "ratio"),
    ("discount_rate", "pct"),
    ("concentration_limit", "pct"),
    ("nolv_advance", "pct"),
    ("horizon_months", "text"),
    ("revaluation_days", "text"),
    ("cash_target", "money"),
    ("max_loss_p95", "money"),
)
_CATEGORY_FIELDS: tuple[tuple[str, str], ...] = (
    ("sigma", "pct"),
    ("erosion", "pct"),
    ("markdown", "pct"),
    ("liquidation_days", "count"),
    ("selling_cost", "pct"),
    ("forced_discount", "pct"),
    ("cost_advance", "pct"),
    ("aging_limit_days", "count"),
    ("months_to_clear", "ratio"),
    ("haircut", "pct"),
)
_IDENTITY_ORDER = (
    "run_id",
    "borrower",
    "user",
    "created_at",
    "inventory_file",
    "inputs_hash",
    "inventory_hash",
    "assumptions_hash",
    "package_version",
)


class FontNotFoundError(RuntimeError):
    """No CJK font to embed in the memo: what to install, and where it was looked for."""


def cjk_font(lang: str = "en") -> Path:
    """The CJK TrueType font the memo embeds: ``FINANCE_CJK_FONT``, else a Debian font.

    Raises
    ------
    FontNotFoundError
        When neither ``FINANCE_CJK_FONT`` nor any of :data:`FONT_CANDIDATES` is a file; the
        message (in ``lang``) names the package to install.
    """
    named = os.environ.get(FONT_ENV)
    candidates = ([Path(named)] if named else []) + list(FONT_CANDIDATES)
    for path in candidates:
        if path.is_file():
            return path
    paths = ", ".join(str(p) for p in candidates)
    raise FontNotFoundError(t("memo.font_missing", lang, paths=paths))


def _money(value: float, places: int = 0) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "-"
    return f"{value + 0.0:,.{places}f}"


def _pct(value: float, places: int = 1) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "-"
    return f"{value:.{places}%}"


def _figure(value: Any, kind: str, currency: str = "") -> str:
    if kind == "money":
        text = _money(value)
        return f"{currency} {text}" if currency and text != "-" else text
    if kind == "pct":
        return _pct(value)
    if kind == "count":
        if isinstance(value, int | float) and math.isfinite(value):
            return f"{value:,.0f}"
        return "-"
    if kind == "ratio":
        if isinstance(value, int | float) and math.isfinite(value):
            return f"{value:.2f}"
        return "-"
    return "-" if value is None else str(value)


class _Memo(FPDF):
    """A4 with the memo's header and page footer, text in the CJK font."""

    def __init__(self, lang: str, header_text: str, font: Path):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.words_lang = lang
        self.header_text = header_text
        # One face: the font has no bold, and :meth:`bold` draws it stroked instead.
        self.add_font(_FONT, "", str(font), collection_font_number=0)
        self.set_margins(18, 20, 18)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages("{nb}")
        self.set_text_color(*_INK)
        self.set_draw_color(*_RULE)

    def header(self) -> None:
        self.set_font(_FONT, size=7.5)
        self.set_text_color(*_MUTED)
        self.set_xy(self.l_margin, 9)
        self.cell(self.epw, 4, self.header_text, align="L")
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 14, self.w - self.r_margin, 14)
        self.set_text_color(*_INK)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, size=7.5)
        self.set_text_color(*_MUTED)
        self.cell(
            0, 4, t("memo.page", self.words_lang, page=self.page_no(), total="{nb}"), align="C"
        )
        self.set_text_color(*_INK)

    @property
    def wrap(self) -> WrapMode:
        return WrapMode.CHAR if self.words_lang == "zh" else WrapMode.WORD

    @contextmanager
    def bold(self, colour: tuple[int, int, int] = _INK) -> Iterator[None]:
        """Text drawn filled and stroked: a bold the font does not have."""
        with self.local_context(
            text_mode="FILL_STROKE", line_width=0.18, draw_color=colour, text_color=colour
        ):
            yield

    def heading(self, text: str, size: float = 13, before: float = 4) -> None:
        """A section heading; a new page first when less than a few lines would follow it."""
        if self.get_y() + 40 > self.page_break_trigger:
            self.add_page()
        else:
            self.ln(before)
        self.set_font(_FONT, size=size)
        with self.bold(_ACCENT):
            self.cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if size >= 12:
            self.set_draw_color(*_ACCENT)
            self.set_line_width(0.4)
            y = self.get_y() + 0.8
            self.line(self.l_margin, y, self.l_margin + self.epw, y)
            self.set_draw_color(*_RULE)
            self.ln(3)
        else:
            self.ln(1.5)

    def paragraph(
        self,
        text: str,
        size: float = 9,
        colour: tuple[int, int, int] = _INK,
        indent: float = 0.0,
    ) -> None:
        """Text wrapped to the page's width (less ``indent``), Chinese between characters."""
        self.set_font(_FONT, size=size)
        self.set_text_color(*colour)
        self.lines(wrap_text(self, text, self.epw - indent), size * 0.5, indent)
        self.set_text_color(*_INK)

    def lines(self, lines: Sequence[str], height: float, indent: float = 0.0) -> None:
        """Lines already wrapped, each a cell from the left margin (plus ``indent``)."""
        for line in lines:
            self.set_x(self.l_margin + indent)
            self.cell(self.epw - indent, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table_of(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        align: Sequence[str],
        *,
        size: float = 8.5,
        emphasis: Sequence[bool] | None = None,
        width: float | None = None,
    ) -> None:
        """A table whose headings come again at the top of each page it runs onto."""
        self.set_font(_FONT, size=size)
        self.set_draw_color(*_RULE)
        self.set_fill_color(*_ZEBRA)
        self.set_line_width(0.2)
        heading_style = FontFace(color=_ACCENT, fill_color=_HEAD_FILL)
        total_style = FontFace(color=_ACCENT, fill_color=_TOTAL_FILL)
        with self.table(
            width=width or self.epw,
            col_widths=tuple(widths),
            text_align=tuple(align),
            align="LEFT",
            borders_layout="HORIZONTAL_LINES",
            headings_style=heading_style,
            cell_fill_color=_ZEBRA,
            cell_fill_mode=TableCellFillMode.ROWS,
            line_height=size * 0.5,
            padding=(0.9, 1.2),
            wrapmode=self.wrap,
            repeat_headings=1,
        ) as table:
            table.row(list(head))
            for i, cells in enumerate(rows):
                strong = bool(emphasis and emphasis[i])
                table.row(list(cells), style=total_style if strong else None)
        self.ln(1)

    def key_values(
        self, pairs: Sequence[tuple[str, str]], *, size: float = 9, key_width: float = 0.55
    ) -> None:
        """A two-column table of labelled figures, the figures right-aligned."""
        self.table_of(
            (t("memo.figure", self.words_lang), t("memo.value", self.words_lang)),
            pairs,
            (key_width, 1 - key_width),
            ("LEFT", "RIGHT"),
            size=size,
        )


def wrap_text(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` (mm, the current font): between words or CJK.

    fpdf2 breaks English at spaces and Chinese anywhere (which splits ``CNY`` or a number);
    here Chinese breaks between characters and a Latin word or number stays whole
    (:func:`finance.locale.wrap`, as the command line wraps its help).
    """
    return wrap(text, lambda line: pdf.get_string_width(line) > width)


def _category_name(key: str, lang: str, names: Mapping[str, str]) -> str:
    text = label("category", key, lang, names)
    if lang == "en" and text == key:
        text = key.replace("_", " ")
        return text[:1].upper() + text[1:]
    return text


def _option_name(key: str, lang: str) -> str:
    found = catalog(lang).get(f"memo.route_name.{key}")
    return found or label("option", key, lang)


def _trigger_name(key: str, lang: str) -> str:
    found = catalog(lang).get(f"memo.trigger_name.{key}") or catalog(lang).get(f"trigger.{key}")
    return found or key.replace("_", " ")


def _identity_rows(identity: Mapping[str, str], lang: str) -> list[tuple[str, str]]:
    keys = [k for k in _IDENTITY_ORDER if k in identity]
    keys += [k for k in identity if k not in _IDENTITY_ORDER]
    words = catalog(lang)
    return [
        (words.get(f"memo.run.{k}") or catalog("en").get(f"memo.run.{k}") or k, str(identity[k]))
        for k in keys
        if identity[k] not in (None, "")
    ]


def _group(lots: pd.DataFrame, by: str) -> pd.DataFrame:
    eligible = lots["eligible"].to_numpy(bool)
    frame = pd.DataFrame(
        {
            by: lots[by].astype(str).to_numpy(),
            "market_value": lots["market_value"].to_numpy(float),
            "eligible_value": np.where(eligible, lots["market_value"].to_numpy(float), 0.0),
            "lendable_value": lots["lendable_value"].to_numpy(float),
        }
    )
    table = frame.groupby(by, sort=False).sum()
    total = table["lendable_value"].sum()
    table["share"] = table["lendable_value"] / total if total > 0 else np.nan
    return table.sort_values("lendable_value", ascending=False, kind="stable").reset_index()


def _group_table(pdf: _Memo, table: pd.DataFrame, by: str, name: Any) -> None:
    lang = pdf.words_lang
    rows = [
        (
            name(row[by]),
            _money(row["market_value"], 2),
            _money(row["eligible_value"], 2),
            _money(row["lendable_value"], 2),
            _pct(row["share"]),
        )
        for _, row in table.iterrows()
    ]
    sums = table[["market_value", "eligible_value", "lendable_value"]].sum()
    rows.append(
        (
            t("memo.total", lang),
            _money(sums["market_value"], 2),
            _money(sums["eligible_value"], 2),
            _money(sums["lendable_value"], 2),
            _pct(1.0 if sums["lendable_value"] > 0 else float("nan")),
        )
    )
    head = [t(f"memo.{k}", lang) for k in (by, "market_value", "eligible_value", "lendable_value")]
    pdf.table_of(
        [*head, t("memo.share", lang)],
        rows,
        (0.28, 0.2, 0.2, 0.2, 0.12),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        emphasis=[False] * (len(rows) - 1) + [True],
    )


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _histogram(pdf: _Memo, losses: np.ndarray, summary: Mapping[str, Any], height: float) -> None:
    """The holding loss across scenarios (millions), the mean and the 95%/99% marks."""
    lang, currency = pdf.words_lang, summary["currency"]
    values = np.asarray(losses, dtype=float) / 1e6
    values = values[np.isfinite(values)]
    x0, top = pdf.l_margin + 12, pdf.get_y()
    width = pdf.epw - 14
    pdf.set_font(_FONT, size=9)
    with pdf.bold():
        pdf.cell(0, 5, t("memo.chart_losses", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y0 = top + 12  # the plot area's top, under the title and the marks' labels
    plot_h = height - 23
    base = y0 + plot_h
    if values.size == 0:
        pdf.set_y(top + height)
        return
    marks = [
        (t("memo.chart_mean", lang), summary["expected_holding_loss"] / 1e6, _MUTED),
        ("95%", summary["holding_loss_p95"] / 1e6, _P95),
        ("99%", summary["holding_loss_p99"] / 1e6, _P99),
    ]
    lo = min(values.min(), *(m[1] for m in marks if math.isfinite(m[1])))
    hi = max(values.max(), *(m[1] for m in marks if math.isfinite(m[1])))
    step = _nice_step(hi - lo if hi > lo else 1.0, 6)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if hi <= lo:
        hi = lo + step
    counts, edges = np.histogram(values, bins=40, range=(lo, hi))

    def x_of(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * width

    y_step = _nice_step(float(counts.max()), 4)
    y_top = max(math.ceil(counts.max() / y_step) * y_step, y_step)
    pdf.set_line_width(0.15)
    pdf.set_font(_FONT, size=6.5)
    pdf.set_text_color(*_MUTED)
    tick = 0.0
    while tick <= y_top + 1e-9:
        y = base - tick / y_top * plot_h
        pdf.set_draw_color(*_RULE)
        pdf.line(x0, y, x0 + width, y)
        pdf.set_xy(x0 - 11, y - 1.5)
        pdf.cell(10, 3, f"{int(tick):,}", align="R")
        tick += y_step
    pdf.set_fill_color(*_LIGHT)
    pdf.set_draw_color(255, 255, 255)
    for count, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
        if count:
            h = count / y_top * plot_h
            pdf.rect(x_of(left), base - h, x_of(right) - x_of(left), h, style="DF")
    pdf.set_draw_color(*_INK)
    pdf.line(x0, base, x0 + width, base)
    tick = lo
    while tick <= hi + 1e-9:
        x = x_of(tick)
        pdf.line(x, base, x, base + 1)
        pdf.set_xy(x - 10, base + 1.2)
        pdf.cell(20, 3, f"{tick:,.0f}" if step >= 1 else f"{tick:,.1f}", align="C")
        tick += step
    pdf.set_xy(x0, base + 4.5)
    pdf.cell(width, 3.5, t("memo.chart_losses_axis", lang, currency=currency), align="C")
    pdf.set_xy(pdf.l_margin, y0 - 6.2)
    pdf.cell(20, 3, t("memo.chart_scenarios", lang), align="L")
    pdf.set_line_width(0.45)
    placed: list[tuple[float, float]] = []
    for i, (name, value, colour) in enumerate(marks):
        if not math.isfinite(value):
            continue
        x = x_of(value)
        pdf.set_draw_color(*colour)
        if i == 0:
            pdf.set_dash_pattern(dash=1.2, gap=0.8)
        pdf.line(x, y0, x, base)
        pdf.set_dash_pattern()
        pdf.set_text_color(*colour)
        pdf.set_font(_FONT, size=6.5)
        text = f"{name} {value:,.1f}"
        w = pdf.get_string_width(text) + 1
        left = min(max(x - w / 2, x0 + 14), x0 + width - w)
        # A label that would overlap the one before goes a line higher.
        clash = any(left < b and a < left + w for a, b in placed[-1:])
        placed.append((left, left + w) if not clash else (-1.0, -1.0))
        pdf.set_xy(left, y0 - 3.2 - (3.2 if clash else 0.0))
        pdf.cell(w, 3, text, align="C")
    pdf.set_text_color(*_INK)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    pdf.set_y(top + height)


def _base_chart(pdf: _Memo, table: pd.DataFrame, names: Any, currency: str) -> None:
    """Horizontal bars: each category's eligible value and, over it, its borrowing base."""
    lang = pdf.words_lang
    pdf.set_font(_FONT, size=9)
    with pdf.bold():
        pdf.cell(
            0,
            5,
            t("memo.chart_base", lang, currency=currency),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    top = pdf.get_y() + 1
    bar_h, gap = 4.2, 2.2
    label_w = 30
    x0 = pdf.l_margin + label_w
    width = pdf.epw - label_w - 22
    peak = float(table["eligible_value"].max()) if len(table) else 0.0
    peak = max(peak, float(table["lendable_value"].max()) if len(table) else 0.0, 1.0)
    pdf.set_font(_FONT, size=7)
    for i, row in enumerate(table.itertuples()):
        y = top + i * (bar_h + gap)
        pdf.set_xy(pdf.l_margin, y)
        pdf.set_text_color(*_INK)
        pdf.cell(label_w - 2, bar_h, names(row.category), align="R")
        pdf.set_fill_color(*_LIGHT)
        pdf.rect(x0, y, row.eligible_value / peak * width, bar_h, style="F")
        pdf.set_fill_color(*_ACCENT)
        pdf.rect(x0, y + 0.9, row.lendable_value / peak * width, bar_h - 1.8, style="F")
        pdf.set_xy(x0 + row.eligible_value / peak * width + 1, y)
        pdf.set_text_color(*_MUTED)
        pdf.cell(
            20,
            bar_h,
            f"{row.lendable_value / 1e6:,.1f} / {row.eligible_value / 1e6:,.1f}",
            align="L",
        )
    y = top + len(table) * (bar_h + gap) + 1
    pdf.set_draw_color(*_INK)
    pdf.set_line_width(0.15)
    pdf.line(x0, top - 1, x0, y - 2)
    # Legend.
    pdf.set_font(_FONT, size=7)
    pdf.set_text_color(*_INK)
    x = x0
    for name, colour in (
        (t("memo.legend_base", lang), _ACCENT),
        (t("memo.legend_eligible", lang), _LIGHT),
    ):
        pdf.set_fill_color(*colour)
        pdf.rect(x, y + 0.8, 3.5, 2.5, style="F")
        pdf.set_xy(x + 4.5, y)
        w = pdf.get_string_width(name) + 2
        pdf.cell(w, 4, name)
        x += w + 10
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    pdf.set_y(y + 6)


def _named_risk(key: str, value: float, lang: str, currency: str) -> tuple[str, str]:
    name = catalog(lang).get(f"memo.named_risk.{key}") or key
    if key == "coverage":
        return name, f"{value:.2f}x"
    if key == "loss_p95":
        return name, _figure(value, "money", currency)
    return name, _pct(value, 2 if key.startswith(("fair", "offered")) else 1)


def credit_memo(
    result: ValuationResult,
    assumptions: Assumptions,
    *,
    lang: str = "en",
    identity: Mapping[str, str] | None = None,
) -> bytes:
    """The credit memo of a valuation as PDF bytes.

    Parameters
    ----------
    result : ValuationResult
    assumptions : Assumptions
        The assumptions the valuation was run under (shown in the last section).
    lang : str
        ``en`` or ``zh``: every heading, label and message.
    identity : mapping of str to str, optional
        The run's identity, shown on the first page: ``run_id``, ``borrower``, ``user``,
        ``created_at``, ``inputs_hash`` (or ``inventory_hash``, ``assumptions_hash``),
        ``package_version``; other keys are shown under their own name.

    Returns
    -------
    bytes
        A PDF (A4) with the CJK font embedded.

    Raises
    ------
    FontNotFoundError
        When no CJK font is installed (:func:`cjk_font`).
    """
    lang = check_lang(lang)
    font = cjk_font(lang)
    identity = dict(identity or {})
    s = result.summary
    currency = s["currency"]
    names = result.category_labels(lang)

    def category(key: str) -> str:
        return _category_name(key, lang, names)

    borrower = identity.get("borrower")
    header = (
        t("memo.header_borrower", lang, borrower=borrower, date=s["valuation_date"])
        if borrower
        else t("memo.header", lang, date=s["valuation_date"])
    )
    pdf = _Memo(lang, header, font)
    pdf.set_title(t("memo.title", lang))
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    pdf.set_creator("inventory-financing-evaluator")
    pdf.add_page()

    # Title and identity.
    pdf.set_font(_FONT, size=18)
    with pdf.bold(_ACCENT):
        pdf.multi_cell(0, 9, t("memo.title", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.paragraph(
        t(
            "memo.subtitle",
            lang,
            date=s["valuation_date"],
            lots=f"{s['lots']:,}",
            currency=currency,
        ),
        size=10,
        colour=_MUTED,
    )
    rows = _identity_rows(identity, lang)
    if rows:
        pdf.heading(t("memo.identity", lang), size=10.5, before=3)
        pdf.table_of(
            (t("memo.item", lang), t("memo.value", lang)),
            rows,
            (0.28, 0.72),
            ("LEFT", "LEFT"),
            size=8,
        )

    # 1. Summary.
    pdf.heading(t("memo.summary", lang))
    pairs = [
        (t(f"memo.figures.{key}", lang), _figure(s.get(key), kind, currency))
        for key, kind in SUMMARY_FIGURES
    ]
    rec = result.recommendation
    chosen = _option_name(rec.option, lang) if rec.is_recommendation else t("memo.none", lang)
    pairs.append((t("memo.recommended_option", lang), chosen))
    pdf.key_values(pairs)
    _recommendation_box(pdf, result)

    # 2. Certificate.
    pdf.heading(t("memo.certificate", lang))
    pdf.paragraph(t("memo.certificate_intro", lang), size=8.5, colour=_MUTED)
    pdf.ln(1.5)
    cert = certificate_table(result, "en")
    words = certificate_table(result, lang)
    rows, strong = [], []
    for (_, row), item in zip(cert.iterrows(), words.iloc[:, 1], strict=True):
        lots = "" if pd.isna(row["lots"]) else f"{int(row['lots']):,}"
        amount = _pct(row["amount"], 2) if row["kind"] == "ratio" else _money(row["amount"], 2)
        rows.append((item, lots, amount))
        strong.append(row["kind"] == "total")
    pdf.table_of(
        (t("memo.item", lang), t("memo.lots", lang), t("memo.amount", lang, currency=currency)),
        rows,
        (0.6, 0.12, 0.28),
        ("LEFT", "RIGHT", "RIGHT"),
        emphasis=strong,
    )

    # 3. Collateral.
    pdf.heading(t("memo.collateral", lang))
    pdf.heading(t("memo.by_category", lang), size=10.5, before=0)
    by_category = _group(result.lots, "category")
    _group_table(pdf, by_category, "category", category)
    pdf.heading(t("memo.by_warehouse", lang), size=10.5, before=2)
    _group_table(pdf, _group(result.lots, "warehouse"), "warehouse", str)

    # 4. Risk.
    pdf.add_page()
    pdf.heading(t("memo.risk", lang), before=0)
    pdf.paragraph(
        t(
            "memo.risk_intro",
            lang,
            months=assumptions.horizon_months,
            scenarios=len(result.holding_losses),
        ),
        size=8.5,
        colour=_MUTED,
    )
    pdf.ln(2)
    _histogram(pdf, result.holding_losses, s, height=72)
    pdf.ln(2)
    _base_chart(pdf, by_category, category, currency)
    pdf.key_values(
        [
            (t(f"memo.figures.{k}", lang), _figure(s.get(k), kind, currency))
            for k, kind in _RISK_FIGURES
        ]
    )
    triggers = result.pledge_loan.triggers
    if len(triggers):
        pdf.heading(t("memo.triggers", lang), size=10.5, before=2)
        pdf.table_of(
            (
                t("memo.trigger_line", lang),
                t("memo.coverage", lang),
                t("memo.collateral_at_line", lang, currency=currency),
                t("memo.probability", lang),
            ),
            [
                (
                    _trigger_name(tr.line, lang),
                    f"{tr.coverage:.2f}x",
                    _money(tr.collateral_at_line, 2),
                    _pct(tr.probability, 2),
                )
                for tr in triggers.itertuples()
            ],
            (0.34, 0.16, 0.3, 0.2),
            ("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        )

    # 5. Routes and the recommendation.
    pdf.heading(t("memo.routes", lang))
    options = result.options
    yes, no = t("memo.yes", lang), t("memo.no", lang)
    pdf.table_of(
        [
            t(f"memo.{k}", lang)
            for k in ("option", "cash_now", "npv", "vs_hold", "loss_p95", "feasible")
        ],
        [
            (
                _option_name(row.option, lang),
                _money(row.cash_now, 2),
                _money(row.npv, 2),
                _money(row.npv_vs_hold, 2),
                _money(row.loss_retained_p95, 2),
                yes if row.feasible else no,
            )
            for row in options.itertuples()
        ],
        (0.2, 0.17, 0.17, 0.17, 0.17, 0.12),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "CENTER"),
        emphasis=[row.option == rec.option for row in options.itertuples()],
    )
    pdf.heading(t("memo.notes", lang), size=10.5, before=2)
    for option, note in zip(options["option"], result.option_notes(lang), strict=True):
        pdf.set_font(_FONT, size=8.5)
        with pdf.bold():
            pdf.cell(0, 4.4, _option_name(option, lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.paragraph(note, size=8.5, indent=4)
        pdf.ln(1)
    pdf.heading(t("memo.recommendation", lang), size=10.5, before=2)
    _recommendation_box(pdf, result)
    if rec.is_recommendation and rec.risks:
        pdf.heading(t("memo.risks", lang), size=10.5, before=1)
        pdf.key_values([_named_risk(k, v, lang, currency) for k, v in rec.risks])
    if rec.allocation:
        pdf.heading(t("memo.allocation", lang), size=10.5, before=1)
        pdf.table_of(
            (t("memo.category", lang), t("memo.route", lang), t("memo.allocation_share", lang)),
            [(category(c), _option_name(r, lang), _pct(sh)) for c, r, sh in rec.allocation],
            (0.4, 0.4, 0.2),
            ("LEFT", "LEFT", "RIGHT"),
        )

    # 6. Assumptions.
    pdf.heading(t("memo.assumptions", lang))
    pdf.heading(t("memo.key_assumptions", lang), size=10.5, before=0)
    pdf.key_values(
        [
            (
                t(f"memo.assumption.{key}", lang),
                _figure(getattr(assumptions, key, None), kind, currency if kind == "money" else ""),
            )
            for key, kind in _ASSUMPTIONS
        ]
    )
    pdf.heading(t("memo.category_table", lang), size=10.5, before=2)
    haircuts = result.haircuts.set_index("category")
    rows = []
    for key in haircuts.index:
        known = assumptions.categories.get(key)
        cells = [category(key)]
        for field, kind in _CATEGORY_FIELDS:
            if field == "haircut":
                value = haircuts.loc[key, "volatility_haircut"]
            elif field == "liquidation_days" or known is None:
                value = haircuts.loc[key].get(field, float("nan"))
            else:
                value = getattr(known, field, float("nan"))
            cells.append(_figure(_number(value), kind))
        rows.append(cells)
    pdf.table_of(
        [t("memo.category", lang)] + [t(f"memo.{f}", lang) for f, _ in _CATEGORY_FIELDS],
        rows,
        (0.14, *([0.086] * len(_CATEGORY_FIELDS))),
        ("LEFT", *(["RIGHT"] * len(_CATEGORY_FIELDS))),
        size=7,
    )
    return bytes(pdf.output())


def _number(value: Any) -> Any:
    if value is None:
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _recommendation_box(pdf: _Memo, result: ValuationResult) -> None:
    """The recommendation's head and sentence on a tinted panel."""
    lang, rec = pdf.words_lang, result.recommendation
    head = (
        t("memo.recommended", lang, option=_option_name(rec.option, lang))
        if rec.is_recommendation
        else t("memo.not_recommended", lang)
    )
    text = result.recommendation_text(lang)
    pdf.ln(1)
    x, y, w = pdf.l_margin, pdf.get_y(), pdf.epw
    pdf.set_font(_FONT, size=9)
    lines = wrap_text(pdf, text, w - 8)
    height = 4 + 6 + len(lines) * 4.6 + 3
    if y + height > pdf.page_break_trigger:
        pdf.add_page()
        y = pdf.get_y()
    pdf.set_fill_color(*_TOTAL_FILL)
    pdf.rect(x, y, w, height, style="F")
    pdf.set_fill_color(*_ACCENT)
    pdf.rect(x, y, 1.2, height, style="F")
    pdf.set_xy(x + 4, y + 3)
    pdf.set_font(_FONT, size=10.5)
    with pdf.bold(_ACCENT):
        pdf.cell(w - 8, 5.5, head, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=9)
    pdf.lines(lines, 4.6, indent=4)
    pdf.set_y(y + height + 2)
