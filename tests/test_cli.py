"""Tests of the command line (finance/cli.py, python -m finance), run in-process."""

from __future__ import annotations

import argparse
import gettext
import importlib
import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

import finance.report
import finance.report.excel
from finance.cli import main, session_lang
from finance.inputs.inventory import load_inventory
from finance.paths import DATA_DIR

SAMPLE = str(DATA_DIR / "sample_inventory.csv")
SAMPLE_LOTS = 240
ARGS = ["--valuation-date", "2026-11-24", "--scenarios", "2000"]
# Every run writes the marker that makes its folder one a later run may replace.
OUTPUTS = (".finance-output", "borrowing_base.csv", "lots.csv", "mix.csv", "options.csv",
           "valuation.xlsx")  # fmt: skip
MIX_KEYS = {"category", "route", "share", "market_value", "cash_now"}
LOT_COLUMNS_START = ["sku", "category", "quantity", "unit_cost", "unit_price", "age_days"]
OPTION_KEYS = {
    "option",
    "cash_now",
    "pv_costs",
    "expected_loss_retained",
    "expected_loss_transferred",
    "loss_retained_p95",
    "npv",
    "npv_vs_hold",
    "effective_annual_cost",
    "feasible",
    "notes",
    "funding_value",
    "rate_effect",
    "npv_std_error",
}
SUMMARY_KEYS = {
    "valuation_date",
    "currency",
    "lots",
    "market_value",
    "book_value",
    "eligible_value",
    "borrowing_base",
    "portfolio_haircut",
    "expected_holding_loss",
    "holding_loss_p95",
    "pledge_regulatory_lgd",
    "recommended_option",
}

# Three bad cells, one per kind: a bad number (row 2), an unknown category (row 3), a
# repeated SKU (row 4).
BAD_INVENTORY = (
    "sku,category,quantity,unit_cost,unit_price,age_days\n"
    "A1,apparel,ten,5,8,3\n"
    "A2,gizmo,1,50000,70000,5\n"
    "A1,copper,1,5,6,7\n"
)
GOOD_INVENTORY = (
    "sku,category,quantity,unit_cost,unit_price,age_days\n"
    "A1,apparel,10,50,80,30\n"
    "A2,copper,1,50000,70000,5\n"
)


def strict_json(text: str):
    """Parse JSON as the standard has it: NaN and Infinity are not JSON."""

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def staging_left(folder) -> list[str]:
    """Staging or set-aside folders of a run left in ``folder`` (there must be none)."""
    return [p.name for p in folder.iterdir() if ".partial-" in p.name or ".previous-" in p.name]


def test_evaluate_writes_the_three_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["evaluate", SAMPLE, "--out", str(out), *ARGS]) == 0
    assert listing(out) == sorted(OUTPUTS)
    assert staging_left(tmp_path) == []
    lots = pd.read_csv(out / "lots.csv", encoding="utf-8-sig")
    assert len(lots) == SAMPLE_LOTS
    assert list(lots.columns[:6]) == LOT_COLUMNS_START
    options = pd.read_csv(out / "options.csv", encoding="utf-8-sig")
    assert set(options.columns) == OPTION_KEYS
    assert list(options["option"]) == [
        "hold",
        "liquidate",
        "pledge_loan",
        "receipt_trust",
        "abs",
        "mix",
    ]
    mix = pd.read_csv(out / "mix.csv", encoding="utf-8-sig")
    assert set(mix.columns) == MIX_KEYS
    assert set(mix["route"]) <= {"hold", "liquidate", "pledge_loan", "receipt_trust", "abs"}
    # each category's shares add up to all of it: every unit goes exactly one way
    assert mix.groupby("category")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert (out / "valuation.xlsx").read_bytes()[:2] == b"PK"
    stdout = capsys.readouterr().out
    assert "Valuation 2026-11-24: 240 lots" in stdout
    assert "Recommended:" in stdout


def test_format_csv_writes_only_the_two_csvs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["evaluate", SAMPLE, "--out", str(out), "--format", "csv", *ARGS]) == 0
    assert listing(out) == [
        ".finance-output", "borrowing_base.csv", "lots.csv", "mix.csv", "options.csv"
    ]  # fmt: skip
    assert (out / "lots.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    capsys.readouterr()


def test_json_prints_summary_and_options(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["evaluate", SAMPLE, "--out", str(out), "--json", *ARGS, "--seed", "11"])
    captured = capsys.readouterr()
    assert code == 0
    payload = strict_json(captured.out)
    assert set(payload) == {"summary", "options", "mix"}
    assert {row["route"] for row in payload["mix"]} <= {
        "hold",
        "liquidate",
        "pledge_loan",
        "receipt_trust",
        "abs",
    }
    summary = payload["summary"]
    assert set(summary) >= SUMMARY_KEYS
    assert summary["valuation_date"] == "2026-11-24"
    assert summary["lots"] == SAMPLE_LOTS
    assert summary["scenarios"] == 2000
    assert summary["seed"] == 11
    assert isinstance(payload["options"], list)
    assert [o["option"] for o in payload["options"]] == [
        "hold", "liquidate", "pledge_loan", "receipt_trust", "abs", "mix"
    ]  # fmt: skip
    for option in payload["options"]:
        assert set(option) == OPTION_KEYS
        assert isinstance(option["feasible"], bool)
    # --json piped: no progress bar on stderr
    assert "[" not in captured.err


def test_report_shows_each_route_and_the_recommendation(tmp_path, capsys):
    assert main(["evaluate", SAMPLE, "--out", str(tmp_path / "out"), *ARGS]) == 0
    stdout = capsys.readouterr().out
    for heading in (
        "Pledge loan:",
        "warning line",
        "top up line",
        "forced sale line",
        "Receipt trust:",
        "fair senior coupon",
        "Mix: what goes where",
        "ABS: issue",
        "senior",
        "equity",
    ):
        assert heading in stdout, heading  # fmt: skip
    table = stdout[stdout.index("option") :].splitlines()[1:7]
    assert [line.split()[0] for line in table] == [
        "hold", "liquidate", "pledge_loan", "receipt_trust", "abs", "mix"
    ]  # fmt: skip


def test_stress_writes_and_prints_the_stress_tables(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["evaluate", SAMPLE, "--out", str(out), "--stress", *ARGS]) == 0
    assert listing(out) == sorted([*OUTPUTS, "stress.csv", "sensitivity.csv"])
    stress = pd.read_csv(out / "stress.csv", encoding="utf-8-sig")
    assert list(dict.fromkeys(stress["stress"])) == [
        "base", "prices -10%", "prices -20%", "prices -30%", "volatility x1.5", "rates +100bp"
    ]  # fmt: skip
    sensitivity = pd.read_csv(out / "sensitivity.csv", encoding="utf-8-sig")
    assert len(sensitivity) == 16
    stdout = capsys.readouterr().out
    assert "Stress: NPV of each route" in stdout
    assert "Borrowing base (CNY) and weighted haircut" in stdout
    # the base stress is the valuation itself
    options = pd.read_csv(out / "options.csv", encoding="utf-8-sig")
    base = stress[stress["stress"] == "base"]
    assert base["npv"].tolist() == pytest.approx(options["npv"].tolist())


def test_stress_tables_in_chinese(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["evaluate", SAMPLE, "--out", str(out), "--stress", "--lang", "zh", *ARGS]
    assert main(args) == 0
    stdout = capsys.readouterr().out
    section = stdout[stdout.index("压力测试：") : stdout.index("已写入")]
    assert "价格 −10%" in section and "推荐方案" in section and "可贷额度（CNY）" in section
    # Only codes are left in Latin letters: the currency, NPV and the rate shock's unit.
    assert set(re.findall(r"[A-Za-z]+", section)) <= {"CNY", "NPV", "bp", "ABS"}


def test_sample_says_what_it_wrote_in_chinese(tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["sample", "--lots", "12", "--out", str(out), "--lang", "zh"]) == 0
    assert capsys.readouterr().out.strip() == f"已写入 12 个批次：{out}"


def test_stress_in_json(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["evaluate", SAMPLE, "--out", str(out), "--stress", "--json", "--format", "csv"]
    assert main([*args, *ARGS]) == 0
    payload = strict_json(capsys.readouterr().out)
    assert set(payload) == {"summary", "options", "mix", "stress", "sensitivity"}
    assert len(payload["stress"]) == 36  # six stresses x six rows, the mix included
    assert listing(out) == [
        ".finance-output",
        "borrowing_base.csv",
        "lots.csv",
        "mix.csv",
        "options.csv",
        "sensitivity.csv",
        "stress.csv",
    ]


def test_json_matches_the_csv(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["evaluate", SAMPLE, "--out", str(out), "--json", "--format", "csv", *ARGS]) == 0
    payload = strict_json(capsys.readouterr().out)
    options = pd.read_csv(out / "options.csv", encoding="utf-8-sig")
    assert [o["npv"] for o in payload["options"]] == pytest.approx(options["npv"].tolist())


def test_bad_inventory_reports_every_problem(tmp_path, capsys):
    inventory = tmp_path / "bad.csv"
    inventory.write_text(BAD_INVENTORY, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["evaluate", str(inventory), "--out", str(out), *ARGS]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 3
    expected = [("row 2", "'quantity'"), ("row 3", "'category'"), ("row 4", "'sku'")]
    for line, (row, column) in zip(lines, expected, strict=True):
        assert line.startswith("bad.csv, ")
        assert row in line
        assert f"column {column}" in line
    assert "ten" in lines[0]
    assert "gizmo" in lines[1]
    assert "A1" in lines[2]
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert listing(out) == []


def test_bad_assumptions_returns_2(tmp_path, capsys):
    toml = tmp_path / "bad.toml"
    toml.write_text('confidence = 1.2\n[pledge_loan]\nrat = 0.05\nbuyback = "yes"\n')
    out = tmp_path / "out"
    code = main(["evaluate", SAMPLE, "--assumptions", str(toml), "--out", str(out), *ARGS])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("bad.toml, key ") for line in lines)
    assert listing(out) == []


def test_bad_toml_syntax_returns_2(tmp_path, capsys):
    toml = tmp_path / "broken.toml"
    toml.write_text("confidence = = 1\n")
    out = str(tmp_path / "out")
    assert main(["evaluate", SAMPLE, "--assumptions", str(toml), "--out", out]) == 2
    err = capsys.readouterr().err
    assert "broken.toml" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("option", "value", "key"),
    [
        ("--valuation-date", "2026-02-30", "valuation_date"),
        ("--scenarios", "10", "scenarios"),
        ("--cash-target", "-5", "cash_target"),
    ],
)
def test_bad_command_line_value_returns_2(tmp_path, capsys, option, value, key):
    args = ["evaluate", SAMPLE, "--out", str(tmp_path / "out"), "--valuation-date", "2026-11-24"]
    assert main([*args, option, value]) == 2
    err = capsys.readouterr().err
    assert f"key {key}" in err
    assert listing(tmp_path / "out") == []


def test_missing_inventory_returns_2(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o"), *ARGS]) == 2
    assert "none.csv" in capsys.readouterr().err


def test_assumptions_file_is_used(tmp_path, capsys):
    toml = tmp_path / "a.toml"
    toml.write_text("valuation_date = 2026-11-24\nscenarios = 500\ncash_target = 1000000\n")
    out = str(tmp_path / "out")
    code = main(["evaluate", SAMPLE, "--assumptions", str(toml), "--out", out, "--json"])
    assert code == 0
    summary = strict_json(capsys.readouterr().out)["summary"]
    assert summary["scenarios"] == 500
    assert summary["cash_target"] == 1_000_000


def test_command_line_overrides_the_assumptions_file(tmp_path, capsys):
    toml = tmp_path / "a.toml"
    toml.write_text("valuation_date = 2027-01-05\nscenarios = 500\nseed = 3\n")
    out = str(tmp_path / "o")
    code = main(["evaluate", SAMPLE, "--assumptions", str(toml), "--out", out, "--json", *ARGS])
    assert code == 0
    summary = strict_json(capsys.readouterr().out)["summary"]
    assert (summary["valuation_date"], summary["scenarios"], summary["seed"]) == (
        "2026-11-24",
        2000,
        3,
    )


def test_category_added_by_the_assumptions_file(tmp_path, capsys):
    inventory = tmp_path / "inv.csv"
    inventory.write_text(GOOD_INVENTORY + "A3,widgets,5,10,20,3\n", encoding="utf-8")
    toml = tmp_path / "a.toml"
    toml.write_text("[categories.widgets]\nsigma = 0.3\n")
    out = tmp_path / "out"
    args = ["evaluate", str(inventory), "--assumptions", str(toml), "--out", str(out), *ARGS]
    code = main([*args, "--format", "csv"])
    assert capsys.readouterr().err == ""
    assert code == 0
    assert "widgets" in pd.read_csv(out / "lots.csv", encoding="utf-8-sig")["category"].tolist()


def test_problems_of_both_files_are_reported_together(tmp_path, capsys):
    inventory = tmp_path / "bad.csv"
    inventory.write_text(BAD_INVENTORY, encoding="utf-8")
    toml = tmp_path / "bad.toml"
    toml.write_text("confidence = 1.2\n")
    args = ["evaluate", str(inventory), "--assumptions", str(toml), "--out", str(tmp_path / "o")]
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4
    assert sum(line.startswith("bad.csv") for line in lines) == 3
    assert sum(line.startswith("bad.toml") for line in lines) == 1


def test_too_many_lots_for_xlsx_is_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(finance.report.excel, "EXCEL_MAX_ROWS", 100)  # the sample has 240
    out = tmp_path / "out"
    assert main(["evaluate", SAMPLE, "--out", str(out), *ARGS]) == 2
    assert "--format csv" in capsys.readouterr().err
    assert listing(out) == []
    # while CSV has no row limit
    assert main(["evaluate", SAMPLE, "--out", str(out), "--format", "csv", *ARGS]) == 0
    capsys.readouterr()


def test_internal_error_returns_1_without_traceback(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.delenv("FINANCE_DEBUG", raising=False)
    monkeypatch.setattr(finance.report, "workbook_bytes", broken)
    out = tmp_path / "out"
    assert main(["evaluate", SAMPLE, "--out", str(out), *ARGS]) == 1
    err = capsys.readouterr().err
    assert err.startswith("internal error: ValueError: boom")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (out / "lots.csv").exists()  # nothing is written when one file fails


def test_internal_error_in_evaluate_returns_1(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("engine failure")

    monkeypatch.delenv("FINANCE_DEBUG", raising=False)
    # finance.evaluate is the function; the module is reached through importlib
    monkeypatch.setattr(importlib.import_module("finance.evaluate"), "evaluate", broken)
    assert main(["evaluate", SAMPLE, "--out", str(tmp_path / "out"), *ARGS]) == 1
    assert "RuntimeError: engine failure" in capsys.readouterr().err


# ---------------------------------------------------------------------------- sample


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sample_writes_an_inventory(tmp_path, capsys, suffix):
    path = tmp_path / f"x{suffix}"
    assert main(["sample", "--lots", "50", "--seed", "3", "--out", str(path)]) == 0
    assert "50 lots" in capsys.readouterr().out
    lots = load_inventory(path)
    assert len(lots) == 50
    assert lots["sku"].is_unique


def test_sample_is_deterministic(tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["sample", "--lots", "20", "--seed", "5", "--out", str(a)]) == 0
    assert main(["sample", "--lots", "20", "--seed", "5", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    capsys.readouterr()


@pytest.mark.parametrize(
    ("lots", "name", "message"),
    [
        ("50", "x.txt", ".csv or .parquet"),
        ("0", "x.csv", "--lots"),
    ],
)
def test_sample_bad_arguments_return_2(tmp_path, capsys, lots, name, message):
    path = tmp_path / name
    assert main(["sample", "--lots", lots, "--out", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert listing(tmp_path) == []


def test_missing_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    capsys.readouterr()


# ---------------------------------------------------------------------------- usage errors

# What a usage error may name besides its Chinese words: the program, options, choices,
# placeholders and the values the user typed.
NAMED = re.compile(
    r"python -m finance|--[\w-]+|\{[^}]*\}|'[^']*'|\b[A-Z][A-Z0-9_]+\b|\b(evaluate|sample)\b"
)
ENGLISH = ("usage", "error", "argument", "invalid", "required", "unrecognized", "expected")


def english_words(text: str) -> list[str]:
    """ASCII words of ``text`` outside what it names (options, choices, values...)."""
    return re.findall(r"[A-Za-z]{3,}", NAMED.sub("", text))


@pytest.fixture
def english_environment(monkeypatch):
    # The default language comes from the environment: pin it to English.
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


USAGE_ERRORS = [
    # (arguments, the Chinese message, the English one)
    (["evaluate"], "缺少必需的参数：库存文件", "the following arguments are required: inventory"),
    (["sample", "--out", "x.csv"], "缺少必需的参数：--lots", "arguments are required: --lots"),
    ([SAMPLE, "--bogus"], "无法识别的参数：--bogus", "unrecognized arguments: --bogus"),
    (
        [SAMPLE, "--format", "pdf"],
        "参数 --format：无效的选项 'pdf'（可选：'xlsx', 'csv', 'parquet'）",
        "argument --format: invalid choice: 'pdf'",
    ),
    (["frobnicate"], "无效的选项 'frobnicate'", "invalid choice: 'frobnicate'"),
    (
        [SAMPLE, "--scenarios", "many"],
        "参数 --scenarios：'many' 不是有效的整数",
        "argument --scenarios: invalid int value: 'many'",
    ),
    (
        [SAMPLE, "--cash-target", "lots"],
        "参数 --cash-target：'lots' 不是有效的数字",
        "argument --cash-target: invalid float value: 'lots'",
    ),
    ([SAMPLE, "--seed"], "参数 --seed：需要提供一个值", "argument --seed: expected one argument"),
]


def usage_error(argv: list[str], capsys) -> str:
    """Run a command line that must fail as argparse does: exit 2, nothing on stdout."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def with_command(args: list[str]) -> list[str]:
    """``evaluate`` in front of the arguments of an evaluate run."""
    return ["evaluate", *args] if args and args[0] == SAMPLE else args


@pytest.mark.parametrize(("args", "zh", "en"), USAGE_ERRORS)
@pytest.mark.parametrize("flag", [["--lang", "zh"], ["--lang=zh"]])
def test_usage_error_in_chinese(english_environment, capsys, args, zh, en, flag):
    err = usage_error([*with_command(args), *flag], capsys)
    assert zh in err, err
    assert err.startswith("用法：python -m finance")
    assert "错误：" in err
    assert not english_words(err), err
    assert not any(word in err for word in ENGLISH), err
    # argparse's own gettext is back once the run is over.
    assert argparse._ is gettext.gettext
    assert argparse.ngettext is gettext.ngettext


@pytest.mark.parametrize(("args", "zh", "en"), USAGE_ERRORS)
def test_usage_error_stays_english(english_environment, capsys, args, zh, en):
    err = usage_error([*with_command(args), "--lang", "en"], capsys)
    assert en in err, err
    assert err.startswith("usage: python -m finance")
    assert ": error: " in err
    assert not re.search(r"[\u2e80-\uffff]", err), err
    # The same without --lang: English is the environment's language here.
    assert usage_error(with_command(args), capsys) == err


def test_usage_error_takes_chinese_from_the_environment(monkeypatch, capsys):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "缺少必需的参数：库存文件" in usage_error(["evaluate"], capsys)
    # No command at all: there is no --lang to read then, only the environment.
    assert (
        "缺少必需的参数：{evaluate,sample,calibrate,history,rollforward,report,book}"
        in usage_error([], capsys)
    )
    # --lang wins over the environment, wherever it stands.
    err = usage_error(["evaluate", "--lang", "en", "--scenarios", "x"], capsys)
    assert "argument --scenarios: invalid int value: 'x'" in err


def test_help_in_chinese(english_environment, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps to the terminal's width
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "--lang", "zh", "-h"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：python -m finance evaluate [-h]")
    for words in ("位置参数：", "选项：", "显示此帮助信息并退出", "蒙特卡洛模拟情景数", "随机种子",
                  "输出文件夹（默认：valuation-out）", "95% 自留损失的风险限额"):  # fmt: skip
        assert words in out, words
    for words in ("positional arguments", "options:", "show this help", "Monte Carlo",
                  "random seed", "output folder", "language of"):  # fmt: skip
        assert words not in out, words
    # The usage's later lines stand under its first line's arguments, whose prefix takes
    # two columns a character.
    lines = out.splitlines()
    assert lines[1].index("[") == len("用法：python -m finance evaluate ") + len("用法：")


def test_help_in_english_is_argparse_as_ever(english_environment, capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "-h"])
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m finance evaluate [-h]")
    assert "positional arguments:\n  inventory " in out
    assert "Monte Carlo scenarios" in out


@pytest.mark.parametrize(
    ("argv", "lang"),
    [
        (["evaluate", "x", "--lang", "zh"], "zh"),
        (["evaluate", "x", "--lang=zh"], "zh"),
        (["evaluate", "x", "--la", "zh"], "zh"),
        (["evaluate", "--lang", "zh", "x", "--lang", "en"], "en"),
        (["evaluate", "x", "--", "--lang", "zh"], "en"),
        (["evaluate", "x", "--lang", "fr"], "en"),
        (["evaluate", "x", "--lang"], "en"),
        (["evaluate", "x"], "en"),
    ],
)
def test_session_language_is_read_before_parsing(english_environment, argv, lang):
    assert session_lang(argv) == lang


# ---------------------------------------------------------------------------- module entry


def test_python_dash_m_finance(tmp_path):
    out = tmp_path / "out"
    completed = subprocess.run(
        [sys.executable, "-m", "finance", "evaluate", SAMPLE, "--out", str(out), *ARGS],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert listing(out) == sorted(OUTPUTS)
    assert "Recommended:" in completed.stdout


def test_same_inputs_give_byte_identical_files_across_processes(tmp_path):
    # Two fresh interpreters with different hash seeds (set and dict order, cache keys)
    # must write the same bytes: nothing may depend on process state.
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run{hash_seed}"
        subprocess.run(
            [sys.executable, "-m", "finance", "evaluate", str(DATA_DIR / "sample_inventory.csv"),
             "--valuation-date", "2026-11-24", "--scenarios", "500", "--format", "csv",
             "--out", str(out)],
            check=True, capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )  # fmt: skip
        outputs.append({name: (out / name).read_bytes() for name in ("lots.csv", "options.csv")})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]["lots.csv"]) > 10_000
