import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql
from conftest import T0, make_assumptions

from finance import evaluate, load_inventory
from finance.collateral.eligibility import REASONS
from finance.decision.comparison import OPTION_COLUMNS
from finance.evaluate import LOT_COLUMNS

SUMMARY_KEYS = (
    "valuation_date", "currency", "lots", "market_value", "book_value", "eligible_value",
    "borrowing_base", "portfolio_haircut", "expected_holding_loss", "holding_loss_p95",
    "pledge_regulatory_lgd", "recommended_option",
)  # fmt: skip


@pytest.fixture(scope="module")
def sample():
    return load_inventory("data/sample_inventory.csv")


@pytest.fixture(scope="module")
def result(sample):
    return evaluate(sample, make_assumptions(scenarios=4000))


def test_contract_columns_and_keys(result):
    assert list(result.lots.columns[: len(LOT_COLUMNS)]) == list(LOT_COLUMNS)
    assert list(result.options.columns) == list(OPTION_COLUMNS)
    assert list(result.options["option"]) == [
        "hold", "liquidate", "pledge_loan", "receipt_trust", "abs", "mix"
    ]  # fmt: skip
    assert list(result.mix.columns) == ["category", "route", "share", "market_value", "cash_now"]
    assert set(SUMMARY_KEYS) <= set(result.summary)
    assert result.summary["valuation_date"] == T0.isoformat()


def test_sample_shows_every_reason_and_holds_the_invariants(result):
    lots = result.lots
    assert set(REASONS) <= set(lots["ineligible_reason"])
    assert (lots["lendable_value"] <= lots["market_value"] + 1e-9).all()
    assert lots["haircut"].between(0, 1).all()
    s = result.summary
    assert s["borrowing_base"] == pytest.approx(lots["lendable_value"].sum())
    assert s["eligible_value"] + s["ineligible_value"] == pytest.approx(s["market_value"])
    assert s["concentration_excess"] > 0  # the big copper lot
    assert 0 < s["borrowing_base"] < s["eligible_value"]


def test_same_seed_same_numbers(sample):
    a = make_assumptions(scenarios=2000, seed=1)
    first, second = evaluate(sample, a), evaluate(sample, a)
    pd.testing.assert_frame_equal(first.lots, second.lots)
    pd.testing.assert_frame_equal(first.options, second.options)
    other = evaluate(sample, make_assumptions(scenarios=2000, seed=2))
    assert other.summary["holding_loss_p95"] != first.summary["holding_loss_p95"]
    # closed-form columns do not depend on the seed
    pd.testing.assert_series_equal(other.lots["lendable_value"], first.lots["lendable_value"])


def test_parallel_evaluations_agree_and_leave_quantlib_alone(sample):
    # Two valuation dates in parallel, as two browser sessions would run them: each thread
    # must get the numbers a serial run gives for its own date.
    inputs = [
        make_assumptions(scenarios=1000),
        make_assumptions(scenarios=1000, valuation_date="2027-03-31"),
    ]
    expected = [evaluate(sample, a).options for a in inputs]
    before = ql.Settings.instance().evaluationDate
    outputs: dict[int, list[pd.DataFrame]] = {0: [], 1: []}

    def run(i: int) -> None:
        outputs[i].append(evaluate(sample, inputs[i]).options)

    threads = [threading.Thread(target=run, args=(i % 2,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [len(v) for v in outputs.values()] == [3, 3]
    assert not expected[0]["npv"].equals(expected[1]["npv"])  # the dates matter
    for i, outs in outputs.items():
        for out in outs:
            pd.testing.assert_frame_equal(out, expected[i])
    assert ql.Settings.instance().evaluationDate == before


def test_received_after_valuation_date_is_an_input_error(sample):
    from finance import InputError

    a = make_assumptions(scenarios=100, valuation_date="2020-01-01")
    frame = sample.copy()
    frame["age_days"] = np.nan
    frame["received_date"] = pd.Timestamp("2021-01-01")
    frame.attrs["source"] = "x.csv"
    with pytest.raises(InputError) as exc:
        evaluate(frame, a)
    assert exc.value.problems[0].row == 2


def test_core_never_imports_streamlit():
    code = "import finance, finance.cli, finance.report, sys; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
