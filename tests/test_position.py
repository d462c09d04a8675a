"""Tests of the lender's view in one step (finance/lending.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import T0, lot_frame, make_assumptions

from finance import evaluate
from finance.collateral.dynamics import markdown_counts
from finance.collateral.lots import prepare_lots
from finance.collateral.position import collateral_position

LOTS = lot_frame(
    {"category": "copper", "quantity": 10.0, "unit_cost": 60_000.0, "unit_price": 70_000.0},
    {"category": "steel", "quantity": 500.0, "unit_cost": 3_600.0, "unit_price": 3_900.0},
    {"category": "apparel", "quantity": 900.0, "unit_price": 150.0, "damaged": True},
)


def position(**kwargs):
    a = make_assumptions()
    lots = prepare_lots(LOTS, a.categories, T0)
    counts = markdown_counts(lots.categories, T0, 400)
    args = {
        "confidence": a.confidence,
        "margin_period_days": a.margin_period_days,
        "nolv_advance": a.nolv_advance,
        "concentration_limit": a.concentration_limit,
    } | kwargs
    return collateral_position(lots, counts, **args)


def test_position_is_what_the_valuation_reports():
    result = evaluate(LOTS, make_assumptions(scenarios=500))
    p = position()
    np.testing.assert_allclose(p.haircut, result.lots["haircut"])
    np.testing.assert_allclose(p.lend.lendable, result.lots["lendable_value"])
    assert list(p.reasons) == list(result.lots["ineligible_reason"])
    assert p.eligible_value == pytest.approx(result.summary["eligible_value"])
    assert p.weighted_haircut == pytest.approx(result.summary["weighted_lot_haircut"])


def test_weighted_haircut_by_hand():
    p = position()
    mv = p.values.market_value
    assert list(p.eligible) == [True, True, False]
    expected = (p.haircut[0] * mv[0] + p.haircut[1] * mv[1]) / (mv[0] + mv[1])
    assert p.weighted_haircut == pytest.approx(expected, rel=1e-14)


def test_no_eligible_lot_gives_zero_weighted_haircut():
    lots = LOTS.assign(damaged=True)
    a = make_assumptions()
    prepared = prepare_lots(lots, a.categories, T0)
    p = collateral_position(
        prepared,
        markdown_counts(prepared.categories, T0, 400),
        confidence=0.99,
        margin_period_days=14,
        nolv_advance=0.85,
        concentration_limit=0.25,
    )
    assert p.weighted_haircut == 0.0
    assert p.eligible_value == 0.0
    assert p.lend.borrowing_base == 0.0


def test_longer_margin_period_lengthens_the_horizon():
    short, long = position(margin_period_days=7), position(margin_period_days=30)
    np.testing.assert_array_equal(long.liquidation_days - short.liquidation_days, 23)
    assert (long.haircut >= short.haircut).all()


def test_lots_of_one_sku_share_its_code_and_its_cap():
    frame = lot_frame({"sku": "A"}, {"sku": "B"}, {"sku": "A"}, {"sku": "C"})
    a = make_assumptions()
    prepared = prepare_lots(frame, a.categories, T0)
    assert prepared.sku.tolist() == [0, 1, 0, 2]
    p = collateral_position(
        prepared,
        markdown_counts(prepared.categories, T0, 400),
        confidence=0.99,
        margin_period_days=14,
        nolv_advance=0.85,
        concentration_limit=0.3,
    )
    # Four equal lots: A holds half the total, capped at 30%; B and C (25% each) are not.
    before = p.lend.before_concentration
    assert before == pytest.approx(np.full(4, before[0]))
    np.testing.assert_allclose(
        p.lend.concentration_excess, np.array([0.1, 0, 0.1, 0]) * before.sum()
    )


def test_an_erp_file_reaches_the_lots_table_with_batch_warehouse_and_description():
    from finance import load_inventory

    text = (
        "库存明细表,,,,,,,,\n"
        "物料编码,物料名称,规格型号,物料分类,批号,仓库,结存数量,成本单价,单价,入库日期\n"
        'C-1,电解铜,1#,电解铜,L1,青岛仓,"1,000",60000,"￥70,000.00",2026/10/8\n'
        "C-1,电解铜,1#,电解铜,L2,青岛仓,500,61000,70000,2026/11/2\n"
        '合计,,,,,,"1,500",,,\n'
    )
    lots = load_inventory(text.encode("gbk"), name="库存.csv")
    table = evaluate(lots, make_assumptions(scenarios=500)).lots
    assert table["row"].tolist() == [3, 4]
    assert table["batch"].tolist() == ["L1", "L2"]
    assert table["warehouse"].tolist() == ["青岛仓", "青岛仓"]
    assert table["description"].tolist() == ["电解铜 1#", "电解铜 1#"]
    assert table["category"].tolist() == ["copper", "copper"]
    # One SKU is the whole lendable value: capped at the limit as one.
    before = table["lendable_value"] + table["concentration_excess"]
    assert table["lendable_value"].sum() == pytest.approx(0.25 * before.sum())
