"""Synthetic inventories of a mid-sized Chinese distributor, for trying the tool and benchmarks.

``generate_inventory`` draws any number of lots over the shipped categories, fully vectorised
(a million lots take about a second) and deterministic for a seed. ``showcase_inventory`` is
the shipped ``data/sample_inventory.csv``: a generated inventory edited so that it shows every
ineligibility reason of docs/model.md section 4 and a copper lot large enough for the concentration
limit to bite. ``write_inventory`` writes either to CSV (UTF-8 with BOM, so that Excel shows the
Chinese text) or to Parquet.

Money is CNY ex-VAT. ``unit_cost`` and ``unit_price`` are per unit (``unit``: 件, 台, 箱, 套 or
吨); ``quantity`` is units per lot, so a lot's market value is ``quantity * unit_price``.
``age_days`` and the dates are calendar days. ``monthly_sales`` is units per month.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from finance.inputs.categories import Category, default_categories

#: Columns of a generated inventory, in order (docs/model.md section 1, English canonical names).
COLUMNS: tuple[str, ...] = (
    "sku",
    "description",
    "category",
    "warehouse",
    "unit",
    "quantity",
    "unit_cost",
    "unit_price",
    "age_days",
    "monthly_sales",
    "consigned",
    "in_transit",
    "damaged",
    "encumbered",
)

#: Columns with ``dated=True``: ``age_days`` becomes ``received_date`` followed by ``expiry_date``.
DATED_COLUMNS: tuple[str, ...] = (
    *COLUMNS[: COLUMNS.index("age_days")],
    "received_date",
    "expiry_date",
    *COLUMNS[COLUMNS.index("age_days") + 1 :],
)

FLAG_COLUMNS: tuple[str, ...] = ("consigned", "in_transit", "damaged", "encumbered")

#: Valuation date the dated sample is written against (the default of data/assumptions.toml).
DEFAULT_VALUATION_DATE = dt.date(2026, 11, 24)

SHOWCASE_LOTS = 240
SHOWCASE_SEED = 20261124
#: The default margin period T_m (calendar days) the showcase's near-expiry lots are placed for.
SHOWCASE_MARGIN_DAYS = 14

#: Oldest lot the generator draws, calendar days.
MAX_AGE_DAYS = 900


@dataclass(frozen=True, slots=True)
class _Item:
    """One product line: Chinese name, unit, price range (CNY per unit) and its variants."""

    name: str
    unit: str
    low: float
    high: float
    variants: tuple[str, ...] = ("",)


@dataclass(frozen=True, slots=True)
class _Profile:
    """How lots of one category are drawn.

    ``share`` is the category's share of lots. Non-commodity lots are sized by value
    (lognormal, median ``value_median`` CNY per lot, clipped to ``value_range``); commodity
    lots by weight (``tonnes_median``, clipped to ``tonnes_range``). Ages are exponential with
    mean ``age_scale`` days, plus a share ``age_tail`` of old stock drawn uniformly from 120
    days to ``age_tail_max``.
    """

    prefix: str
    share: float
    items: tuple[_Item, ...]
    commodity: bool = False
    tonnes_median: float = 0.0
    tonnes_range: tuple[float, float] = (0.0, 0.0)
    age_scale: float = 90.0
    age_tail_max: int = MAX_AGE_DAYS


_SIZES_ADULT = ("S码", "M码", "L码", "XL码")
_SIZES_MEN = ("M码", "L码", "XL码", "XXL码")

# Category mix of a general distributor with a metals trading desk: consumer goods dominate
# the lot count, commodities the value per lot. Price ranges are CNY ex-VAT per unit from
# typical Chinese wholesale/spot levels (2025-26); each item's range lies within its
# category's range in PRICE_RANGES.
_PROFILES: dict[str, _Profile] = {
    "apparel": _Profile(
        prefix="APP",
        share=0.25,
        age_scale=100.0,
        items=(
            _Item("男士羽绒服", "件", 350, 900, _SIZES_MEN),
            _Item("女式羽绒服", "件", 350, 900, _SIZES_ADULT),
            _Item("女式针织衫", "件", 120, 380, _SIZES_ADULT),
            _Item("男士休闲裤", "件", 120, 400, ("30码", "32码", "34码")),
            _Item("女式连衣裙", "件", 150, 600, _SIZES_ADULT),
            _Item("儿童卫衣", "件", 80, 220, ("110cm", "130cm", "150cm")),
            _Item("男士长袖衬衫", "件", 120, 360, _SIZES_MEN),
            _Item("运动T恤", "件", 80, 200, _SIZES_ADULT),
            _Item("户外冲锋衣", "件", 300, 900, _SIZES_MEN),
        ),
    ),
    "electronics": _Profile(
        prefix="ELC",
        share=0.20,
        age_scale=60.0,
        items=(
            _Item("蓝牙耳机", "件", 150, 900, ("", "Pro", "降噪版")),
            _Item("65寸液晶电视", "台", 3000, 6000, ("", "4K")),
            _Item("55寸液晶电视", "台", 2000, 4500, ("", "4K")),
            _Item("笔记本电脑 14英寸", "台", 3500, 6000, ("i5 16G", "i7 16G")),
            _Item("平板电脑 10.9英寸", "台", 1500, 4000, ("64G", "256G")),
            _Item("智能手机", "台", 1200, 6000, ("128G", "256G")),
            _Item("智能手表", "件", 600, 2500, ("", "蜂窝版")),
            _Item("移动电源 20000mAh", "件", 150, 300),
            _Item("无线路由器 WiFi6", "台", 150, 800),
        ),
    ),
    "food": _Profile(
        prefix="FOD",
        share=0.12,
        # Food turns fast; the tail stops a little past the 365-day shelf life, so a large
        # inventory has a few expired and near-expiry lots but no years-old food.
        age_scale=45.0,
        age_tail_max=420,
        items=(
            _Item("有机纯牛奶 12盒装", "箱", 50, 120),
            _Item("进口坚果礼盒", "箱", 150, 400),
            _Item("特级初榨橄榄油 5L×4", "箱", 200, 400),
            _Item("东北大米 10kg×2", "箱", 80, 160),
            _Item("速冻水饺 1kg×10", "箱", 100, 220),
            _Item("饮用天然水 550ml×24", "箱", 40, 60),
            _Item("方便面 24袋装", "箱", 50, 90),
            _Item("进口红酒 750ml×6", "箱", 200, 400),
            _Item("常温酸奶 200g×24", "箱", 60, 120),
        ),
    ),
    "home_appliances": _Profile(
        prefix="HAP",
        share=0.15,
        age_scale=90.0,
        items=(
            _Item("变频空调 1.5匹", "台", 2200, 4500, ("挂机", "一级能效")),
            _Item("变频空调 3匹", "台", 4500, 8000, ("柜机",)),
            _Item("滚筒洗衣机 10kg", "台", 1800, 4500),
            _Item("对开门冰箱 500L", "台", 3000, 8000),
            _Item("燃气热水器 16L", "台", 1200, 3000),
            _Item("嵌入式洗碗机 13套", "台", 3000, 6000),
            _Item("吸油烟机", "台", 1500, 4000, ("侧吸式", "顶吸式")),
            _Item("扫地机器人", "台", 1500, 4500),
        ),
    ),
    "auto_parts": _Profile(
        prefix="AUT",
        share=0.15,
        age_scale=120.0,
        items=(
            _Item("刹车片", "套", 120, 600, ("前轮", "后轮")),
            _Item("机油滤清器", "件", 30, 120),
            _Item("空气滤清器", "件", 30, 150),
            _Item("火花塞 4支装", "套", 80, 400),
            _Item("减震器", "套", 400, 2500, ("前", "后")),
            _Item("无骨雨刮片", "套", 30, 150),
            _Item("蓄电池 60Ah", "件", 350, 900),
            _Item("LED大灯总成", "套", 600, 2500),
        ),
    ),
    "steel": _Profile(
        prefix="STL",
        share=0.06,
        commodity=True,
        tonnes_median=150.0,
        tonnes_range=(20.0, 1200.0),
        age_scale=45.0,
        items=(
            _Item("螺纹钢 HRB400", "吨", 3200, 4000, ("Φ12", "Φ16", "Φ20", "Φ25")),
            _Item("热轧卷板 Q235", "吨", 3500, 4300, ("3.0mm", "4.75mm", "10mm")),
            _Item("冷轧板 SPCC", "吨", 4000, 4500, ("0.8mm", "1.0mm")),
            _Item("高速线材 Q195", "吨", 3000, 3900, ("Φ6.5", "Φ8")),
            _Item("H型钢 Q235B", "吨", 3300, 4200, ("200×200", "300×300")),
        ),
    ),
    "copper": _Profile(
        prefix="COP",
        share=0.04,
        commodity=True,
        tonnes_median=20.0,
        tonnes_range=(5.0, 200.0),
        age_scale=30.0,
        items=(
            _Item("电解铜", "吨", 72000, 82000, ("1#", "A级")),
            _Item("铜杆", "吨", 73000, 82000, ("8mm",)),
            _Item("紫铜管", "吨", 75000, 82000, ("TP2",)),
            _Item("无氧铜带", "吨", 76000, 82000, ("T2",)),
        ),
    ),
    "generic": _Profile(
        prefix="GEN",
        share=0.03,
        items=(
            _Item("人体工学办公椅", "件", 200, 500),
            _Item("A4复印纸 5包装", "箱", 100, 200),
            _Item("不锈钢保温杯 500ml", "件", 40, 150),
            _Item("塑料收纳箱", "件", 20, 80),
            _Item("洗衣液 2kg×6", "箱", 60, 150),
            _Item("纯棉毛巾礼盒", "件", 30, 120),
        ),
    ),
}

#: Price range per category, CNY ex-VAT per unit: every generated ``unit_price`` lies within.
PRICE_RANGES: dict[str, tuple[float, float]] = {
    "apparel": (80.0, 900.0),
    "electronics": (150.0, 6000.0),
    "food": (40.0, 400.0),
    "home_appliances": (1200.0, 8000.0),
    "auto_parts": (30.0, 2500.0),
    "steel": (3000.0, 4500.0),
    "copper": (70000.0, 82000.0),
    "generic": (20.0, 500.0),
}

#: Distribution centres, with their share of lots (the east coast holds most stock).
_WAREHOUSES: tuple[tuple[str, float], ...] = (
    ("上海嘉定仓", 0.22),
    ("广州黄埔仓", 0.18),
    ("天津东疆仓", 0.14),
    ("成都双流仓", 0.12),
    ("武汉阳逻仓", 0.12),
    ("宁波北仑仓", 0.10),
    ("郑州航空港仓", 0.07),
    ("西安国际港务仓", 0.05),
)

# Value of a non-commodity lot, CNY: a pallet of earphones to a container of appliances.
_LOT_VALUE_MEDIAN = 150_000.0
_LOT_VALUE_RANGE = (20_000.0, 3_000_000.0)
_LOT_VALUE_SIGMA = 1.0
_TONNES_SIGMA = 0.8
# Share of old stock (age drawn from the uniform tail rather than the exponential body).
_AGE_TAIL_SHARE = 0.10
_AGE_TAIL_START = 120
# Book cost per unit as a fraction of today's price: a 5-40% gross margin normally; stock
# bought before prices fell is underwater (cost above price), more often the older it is.
_COST_RATIO = (0.60, 0.95)
_UNDERWATER_RATIO = (1.00, 1.35)
_UNDERWATER_SHARE = (0.04, 0.16)  # at age 0 and at 720 days or more
# Months of stock on hand (quantity / monthly_sales): log-uniform, 1 month to 2.5 years.
_MONTHS_OF_STOCK = (1.0, 30.0)
_NO_SALES_SHARE = 0.08  # blank monthly_sales: the valuation core uses months_to_clear
_FLAG_SHARES: dict[str, float] = {
    "consigned": 0.03,
    "in_transit": 0.04,
    "damaged": 0.02,
    "encumbered": 0.02,
}


class _Tables:
    """The profiles flattened into arrays, so that lots are drawn by indexing."""

    def __init__(self, profiles: Mapping[str, _Profile]) -> None:
        self.names = list(profiles)
        profs = list(profiles.values())
        shares = np.array([p.share for p in profs])
        self.shares = shares / shares.sum()
        self.prefix = pd.array([p.prefix + "-" for p in profs], dtype="str")
        self.category = pd.array(self.names, dtype="str")
        self.commodity = np.array([p.commodity for p in profs])
        self.tonnes_median = np.array([p.tonnes_median for p in profs])
        self.tonnes_low = np.array([p.tonnes_range[0] for p in profs])
        self.tonnes_high = np.array([p.tonnes_range[1] for p in profs])
        self.age_scale = np.array([p.age_scale for p in profs])
        self.age_tail_max = np.array([p.age_tail_max for p in profs])
        items = [item for p in profs for item in p.items]
        counts = np.array([len(p.items) for p in profs])
        self.item_start = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.item_count = counts
        self.item_low = np.array([i.low for i in items], dtype=float)
        self.item_high = np.array([i.high for i in items], dtype=float)
        units = sorted({i.unit for i in items})
        self.unit = pd.array(units, dtype="str")
        self.item_unit = np.array([units.index(i.unit) for i in items])
        self.item_tonnes = np.array([i.unit == "吨" for i in items])
        variants = [len(i.variants) for i in items]
        self.variant_start = np.concatenate(([0], np.cumsum(variants)[:-1]))
        self.variant_count = np.array(variants)
        self.description = pd.array(
            [f"{i.name} {v}" if v else i.name for i in items for v in i.variants], dtype="str"
        )
        self.warehouse = pd.array([w for w, _ in _WAREHOUSES], dtype="str")
        weights = np.array([s for _, s in _WAREHOUSES])
        self.warehouse_p = weights / weights.sum()


_TABLES = _Tables(_PROFILES)


def _check_n_lots(n_lots: int) -> int:
    n = operator.index(n_lots)  # TypeError for 2.5 or "10": a lot count is a whole number
    if n < 1:
        raise ValueError(f"n_lots must be at least 1, not {n}")
    return n


def _round_quantity(values: np.ndarray, tonnes: np.ndarray, *, minimum: float) -> np.ndarray:
    """Round to whole units (件/台/箱/套) or to kilograms (吨, 3 decimals), at least ``minimum``."""
    whole = np.maximum(np.rint(values), minimum)
    kilos = np.maximum(np.round(values, 3), 0.001)
    return np.where(tonnes, kilos, whole)


def generate_inventory(
    n_lots: int,
    seed: int = 0,
    *,
    dated: bool = False,
    valuation_date: dt.date | None = None,
) -> pd.DataFrame:
    """Draw a realistic synthetic inventory of a mid-sized Chinese distributor.

    Every lot is drawn at once with numpy (no Python loop per lot): a million lots take about
    a second. The same ``seed`` always gives the same frame.

    Parameters
    ----------
    n_lots : int
        Number of lots (rows), at least 1.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    dated : bool, default False
        Give ``received_date`` and ``expiry_date`` instead of ``age_days``.
    valuation_date : datetime.date, optional
        Day the dates count back from (default 2026-11-24); used only with ``dated=True``.

    Returns
    -------
    pandas.DataFrame
        One row per lot, columns ``COLUMNS`` (``DATED_COLUMNS`` with ``dated=True``):

        - ``sku`` (str): unique, category prefix and number, e.g. ``APP-000123``;
        - ``description``, ``warehouse`` (str): Chinese text; ``category`` (str): a key of the
          shipped category table; ``unit`` (str): 件, 台, 箱, 套 or 吨;
        - ``quantity`` (float): units in the lot, > 0; whole for 件/台/箱/套, 3 decimals for 吨;
        - ``unit_cost``, ``unit_price`` (float): CNY ex-VAT per unit, 2 decimals; prices lie
          within ``PRICE_RANGES``; cost is mostly 60-95% of price, sometimes above it;
        - ``age_days`` (int): calendar days since receipt, 0 to 900, most under 120;
        - ``monthly_sales`` (float): units sold per month, so that stock on hand lasts 1 to 30
          months; NaN for about 8% of lots (the valuation core then uses the category's
          ``months_to_clear``);
        - ``consigned``, ``in_transit``, ``damaged``, ``encumbered`` (bool): a few percent each;
        - with ``dated=True``: ``received_date`` (``valuation_date`` minus the age) and
          ``expiry_date`` (received plus the category's ``shelf_life_days`` for categories
          that expire, i.e. food; NaT otherwise), both ``datetime64`` at midnight.

    Raises
    ------
    ValueError
        If ``n_lots`` is below 1.
    TypeError
        If ``n_lots`` is not an integer.
    """
    n = _check_n_lots(n_lots)
    rng = np.random.default_rng(seed)
    t = _TABLES

    cat = rng.choice(len(t.names), size=n, p=t.shares)
    item = t.item_start[cat] + rng.integers(0, t.item_count[cat])
    variant = t.variant_start[item] + rng.integers(0, t.variant_count[item])
    tonnes = t.item_tonnes[item]

    # Commodities trade near one spot price (uniform over the range); consumer goods spread
    # over orders of magnitude within a line (log-uniform).
    low, high = t.item_low[item], t.item_high[item]
    u = rng.random(n)
    spot = low + u * (high - low)
    retail = np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    price = np.clip(np.round(np.where(t.commodity[cat], spot, retail), 2), low, high)

    # Size non-commodity lots by value (20k-3M CNY) and commodity lots by weight (tonnes).
    z = rng.standard_normal(n)
    value = np.clip(_LOT_VALUE_MEDIAN * np.exp(_LOT_VALUE_SIGMA * z), *_LOT_VALUE_RANGE)
    weight = np.clip(
        t.tonnes_median[cat] * np.exp(_TONNES_SIGMA * z), t.tonnes_low[cat], t.tonnes_high[cat]
    )
    quantity = _round_quantity(np.where(t.commodity[cat], weight, value / price), tonnes, minimum=1)

    # Skewed ages: an exponential body (most stock under 120 days) and a uniform tail of old,
    # overstocked lots up to the category's maximum.
    body = rng.exponential(t.age_scale[cat])
    tail = _AGE_TAIL_START + rng.random(n) * (t.age_tail_max[cat] - _AGE_TAIL_START)
    age = np.where(rng.random(n) < _AGE_TAIL_SHARE, tail, body)
    age_days = np.clip(np.floor(age), 0, MAX_AGE_DAYS).astype(np.int64)

    p_under = _UNDERWATER_SHARE[0] + (_UNDERWATER_SHARE[1] - _UNDERWATER_SHARE[0]) * np.minimum(
        age_days / 720.0, 1.0
    )
    ratio = np.where(
        rng.random(n) < p_under,
        rng.uniform(*_UNDERWATER_RATIO, size=n),
        rng.uniform(*_COST_RATIO, size=n),
    )
    unit_cost = np.round(price * ratio, 2)

    lo_m, hi_m = np.log(_MONTHS_OF_STOCK[0]), np.log(_MONTHS_OF_STOCK[1])
    months = np.exp(rng.uniform(lo_m, hi_m, size=n))
    sales = np.where(
        tonnes,
        np.maximum(np.round(quantity / months, 3), 0.001),
        np.maximum(np.round(quantity / months, 1), 0.1),
    )
    sales[rng.random(n) < _NO_SALES_SHARE] = np.nan

    flags = {name: rng.random(n) < share for name, share in _FLAG_SHARES.items()}
    warehouse = rng.choice(len(t.warehouse), size=n, p=t.warehouse_p)

    # SKU numbers: distinct draws from 1..10^width - 1, so they are unique across categories
    # and look like an item master's codes rather than a row counter.
    width = max(6, len(str(n)))
    drawn = rng.choice(10**width - 1, size=n, replace=False) + 1
    number = pd.Series(drawn + 10**width).astype("str").str.slice(1)
    sku = pd.Series(t.prefix.take(cat)) + number

    frame = pd.DataFrame(
        {
            "sku": sku,
            "description": t.description.take(variant),
            "category": t.category.take(cat),
            "warehouse": t.warehouse.take(warehouse),
            "unit": t.unit.take(t.item_unit[item]),
            "quantity": quantity,
            "unit_cost": unit_cost,
            "unit_price": price,
            "age_days": age_days,
            "monthly_sales": sales,
            **flags,
        }
    )
    return to_dated(frame, valuation_date) if dated else frame


def to_dated(
    frame: pd.DataFrame,
    valuation_date: dt.date | None = None,
    categories: Mapping[str, Category] | None = None,
) -> pd.DataFrame:
    """Replace ``age_days`` by ``received_date`` and ``expiry_date``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Lots with ``category`` and ``age_days`` (calendar days).
    valuation_date : datetime.date, optional
        Default 2026-11-24.
    categories : mapping of str to Category, optional
        Category table giving ``shelf_life_days``; default the shipped one.

    Returns
    -------
    pandas.DataFrame
        A copy, ``received_date = valuation_date - age_days`` and, for categories with a
        shelf life (> 0 days), ``expiry_date = received_date + shelf_life_days``; NaT for
        goods that do not expire. Both ``datetime64[us]`` at midnight: the unit pandas parses
        dates to, and one that Parquet keeps (it has no seconds unit).
    """
    day = np.datetime64(valuation_date or DEFAULT_VALUATION_DATE, "D")
    cats = default_categories() if categories is None else categories
    shelf_by_cat = {name: c.shelf_life_days for name, c in cats.items()}
    # Map through the few category names, not per lot.
    shelf = frame["category"].map(shelf_by_cat).fillna(0).to_numpy(dtype=np.int64)
    received = day - frame["age_days"].to_numpy(dtype=np.int64).astype("timedelta64[D]")
    expiry = np.where(shelf > 0, received + shelf.astype("timedelta64[D]"), np.datetime64("NaT"))
    out = frame.copy()
    position = out.columns.get_loc("age_days")
    out = out.drop(columns="age_days")
    out.insert(position, "received_date", received.astype("datetime64[us]"))
    out.insert(position + 1, "expiry_date", expiry.astype("datetime64[us]"))
    return out


def _ineligibility_reasons(
    frame: pd.DataFrame,
    categories: Mapping[str, Category] | None = None,
    margin_days: int = SHOWCASE_MARGIN_DAYS,
) -> pd.Series:
    """First ineligibility reason per lot (docs/model.md section 4), for lots given by ``age_days``.

    The showcase uses this to place its edits; the valuation core has its own implementation.
    A lot's expiry is its age against the category's ``shelf_life_days`` (no expiry when 0).

    Parameters
    ----------
    frame : pandas.DataFrame
        Lots with the columns of ``COLUMNS``.
    categories : mapping of str to Category, optional
        Default the shipped table.
    margin_days : int, default 14
        Margin period T_m, calendar days.

    Returns
    -------
    pandas.Series of str
        ``""`` for an eligible lot, else ``expired``, ``near_expiry``, ``aged``, ``consigned``,
        ``in_transit``, ``damaged``, ``encumbered`` or ``no_price``.
    """
    cats = default_categories() if categories is None else categories
    table = pd.DataFrame(
        {
            "shelf": {k: c.shelf_life_days for k, c in cats.items()},
            "aging": {k: c.aging_limit_days for k, c in cats.items()},
            "orderly": {k: c.orderly_days for k, c in cats.items()},
        }
    )
    per_lot = table.reindex(frame["category"]).to_numpy(dtype=float)
    shelf, aging, orderly = per_lot.T
    age = frame["age_days"].to_numpy(dtype=float)
    # Days from the valuation date to expiry; +inf for goods that do not expire.
    to_expiry = np.where(shelf > 0, shelf - age, np.inf)
    conditions = [
        to_expiry <= 0,
        to_expiry < margin_days + orderly,
        age > aging,
        *(frame[f].to_numpy(dtype=bool) for f in FLAG_COLUMNS),
        frame["unit_price"].to_numpy(dtype=float) == 0,
    ]
    labels = ["expired", "near_expiry", "aged", *FLAG_COLUMNS, "no_price"]
    return pd.Series(np.select(conditions, labels, default=""), index=frame.index, dtype="str")


def showcase_inventory() -> pd.DataFrame:
    """Return the shipped sample inventory (``data/sample_inventory.csv``).

    ``generate_inventory(240, seed=20261124)`` with deterministic edits, so that under the
    shipped category table and the default 14-day margin period:

    - one copper lot is made eligible and large, about 27.5% of the total market value, so
      that the concentration limit (25% of the borrowing base per SKU) bites;
    - at least two lots show each ineligibility reason of docs/model.md section 4: food lots past
      their shelf life (``expired``) or expiring within the margin period plus the orderly
      liquidation days (``near_expiry``); non-food lots past their category's
      ``aging_limit_days`` (``aged``); one flag each on otherwise eligible lots
      (``consigned``, ``in_transit``, ``damaged``, ``encumbered``); giveaways with no price
      (``no_price``);
    - about 80% of the market value stays eligible.

    Ages are given as ``age_days`` (no dates), so the sample's results do not depend on the
    day it is run: the valuation core takes a food lot's expiry from its age and shelf life.

    Returns
    -------
    pandas.DataFrame
        Columns ``COLUMNS``; money in CNY per unit, ages in calendar days.
    """
    frame = generate_inventory(SHOWCASE_LOTS, seed=SHOWCASE_SEED)
    cats = default_categories()
    food = cats["food"]
    reasons = _ineligibility_reasons(frame, cats)
    value = frame["quantity"] * frame["unit_price"]
    taken: set[int] = set()

    def pick(category: str | tuple[str, ...], count: int) -> list[int]:
        """Take the first eligible lots of a category, in row order, not edited yet."""
        wanted = (category,) if isinstance(category, str) else category
        pool = frame["category"].isin(wanted) & (reasons == "") & ~frame.index.isin(list(taken))
        chosen = frame.index[pool][:count].tolist()
        if len(chosen) < count:
            raise RuntimeError(f"the showcase seed has too few eligible {category} lots")
        taken.update(chosen)
        return chosen

    # The concentration lot: the first eligible copper lot, resized so that its market value
    # is 27.5% of the total (q p = 0.275 (rest + q p)), received a month ago, flags clear.
    (big,) = pick("copper", 1)
    rest = value.drop(index=big).sum()
    price = frame.at[big, "unit_price"]
    frame.at[big, "quantity"] = round(0.275 / 0.725 * rest / price, 3)
    frame.at[big, "monthly_sales"] = round(frame.at[big, "quantity"] / 6, 3)

    # Expired: past the shelf life by a month and by about five months.
    for lot, extra in zip(pick("food", 2), (35, 160), strict=True):
        frame.at[lot, "age_days"] = food.shelf_life_days + extra
    # Near expiry: expiry within T_m + T_o days of the valuation date, but not yet reached.
    horizon = SHOWCASE_MARGIN_DAYS + food.orderly_days
    for lot, left in zip(pick("food", 2), (horizon - 8, 10), strict=True):
        frame.at[lot, "age_days"] = food.shelf_life_days - left
    # Aged: past the category's aging limit (these categories do not expire).
    for name, extra in (("apparel", 45), ("electronics", 60), ("home_appliances", 90)):
        (lot,) = pick(name, 1)
        frame.at[lot, "age_days"] = cats[name].aging_limit_days + extra
    # One flag each on otherwise eligible consumer-goods lots.
    consumer = ("apparel", "electronics", "home_appliances", "auto_parts")
    for flag in FLAG_COLUMNS:
        for lot in pick(consumer, 2):
            frame.at[lot, flag] = True
    # No price: promotional giveaways (赠品) the distributor cannot sell.
    for lot in pick(("generic", "apparel"), 2):
        frame.at[lot, "unit_price"] = 0.0
        frame.at[lot, "description"] = f"{frame.at[lot, 'description']}（赠品）"
    return frame


def _csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Format the known numeric columns tidily: prices 2 decimals, quantities without ".0"."""
    out = frame.copy()

    def trimmed(x: float) -> str:
        return "" if x != x else f"{x:.3f}".rstrip("0").rstrip(".")

    for column in ("quantity", "monthly_sales"):
        if column in out and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(trimmed)
    for column in ("unit_cost", "unit_price"):
        if column in out and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(lambda x: "" if x != x else f"{x:.2f}")
    for column in ("received_date", "expiry_date"):
        if column in out and pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out


def write_inventory(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write an inventory to CSV or Parquet, chosen by the file's suffix.

    CSV is a plain table with a header row, UTF-8 with a byte-order mark (Excel and WPS then
    show the Chinese text), no index, blanks for missing values and dates as YYYY-MM-DD.
    ``unit_cost`` and ``unit_price`` are written to the fen (2 decimals), ``quantity`` and
    ``monthly_sales`` to at most 3 decimals (a kilogram of a tonne) without trailing zeros, so
    whole units read ``12``, not ``12.0``: exact for generated frames, rounded for finer input.
    Parquet keeps the frame's values and dtypes. The file is written next to its target and
    moved into place, so a failed write leaves no partial file.

    Parameters
    ----------
    frame : pandas.DataFrame
        Lots, e.g. from ``generate_inventory``.
    path : str or os.PathLike
        Ends in ``.csv`` or ``.parquet`` (any case).

    Raises
    ------
    ValueError
        For any other suffix.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(
            f"cannot write {target.name!r}: the file must end in .csv or .parquet, "
            f"not {target.suffix or 'no suffix'!r}"
        )
    # A hidden sibling (same file system, so the final move is atomic); opened normally so
    # that the file gets the user's usual permissions, unlike a mkstemp file.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if suffix == ".csv":
            _csv_text(frame).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        else:
            frame.to_parquet(tmp, index=False)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: Lots of the first borrower that the second pledges as well in a generated book.
BOOK_DOUBLE_PLEDGES = 2


def write_book(
    folder: str | os.PathLike[str],
    n_borrowers: int,
    n_lots: int,
    *,
    seed: int = 0,
    scenarios: int = 2000,
) -> Path:
    """Write a lender's book: ``manifest.toml`` and one inventory per borrower.

    Each borrower's lots come from :func:`generate_inventory` (its own seed) with a
    ``batch`` column of receipt numbers of its own; the warehouses are the generator's, so
    borrowers share them. With two borrowers or more, the second also lists the first
    :data:`BOOK_DOUBLE_PLEDGES` lots of the first (same warehouse, batch and goods): double
    pledges. Each asks for a loan of 70% of its inventory's market value over 12 months.

    Returns
    -------
    pathlib.Path
        The manifest.
    """
    if n_borrowers < 1:
        raise ValueError("a book needs at least one borrower")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    frames = []
    for i in range(n_borrowers):
        frame = generate_inventory(n_lots, seed=seed + i)
        frame.insert(4, "batch", [f"R{i + 1:02d}-{j + 1:05d}" for j in range(len(frame))])
        frames.append(frame)
    if n_borrowers >= 2:
        shared = min(BOOK_DOUBLE_PLEDGES, n_lots)
        frames[1].iloc[:shared] = frames[0].iloc[:shared].to_numpy()
    lines = [
        "# A lender's book: the top-level keys are the assumptions every borrower shares.",
        f"valuation_date = {DEFAULT_VALUATION_DATE.isoformat()}",
        f"scenarios = {scenarios}",
        f"seed = {seed}",
    ]
    for i, frame in enumerate(frames):
        name = f"borrower_{i + 1:02d}"
        write_inventory(frame, out / f"{name}.csv")
        value = float((frame["quantity"] * frame["unit_price"]).sum())
        lines += [
            "",
            "[[borrower]]",
            f'name = "{name}"',
            f'inventory = "{name}.csv"',
            f"loan = {round(0.7 * value, -3):.0f}",
            "tenor_months = 12",
            "rate = 0.055",
        ]
    manifest = out / "manifest.toml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest
