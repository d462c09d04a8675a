"""Chinese throughout: input problems, notes, the recommendation, the CLI and the exports."""

from __future__ import annotations

import csv
import io
import math
import re
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from finance import evaluate, load_inventory, parse_assumptions
from finance.cli import main
from finance.decision.recommendation import recommend
from finance.errors import InputError, Problem
from finance.locale import Text, default_lang, render
from finance.report import csv_files, workbook_bytes
from finance.routes.abs import retention
from finance.routes.rows import (
    abs_notes,
    hold_notes,
    liquidate_notes,
    pledge_loan_notes,
    receipt_trust_notes,
)

# An ERP stock list as Kingdee exports it: a title row, Chinese headers, GBK.
ERP_HEADER = "物料编码,物料名称,物料分类,数量,单位成本,单价,入库日期,批次号,仓库"
ERP_GOOD = "A1,衬衫,服装,10,50,80,2026-10-01,B1,一号仓"
# English words that must not appear in a Chinese sentence (codes, CNY, numbers may).
ENGLISH_WORD = re.compile(
    r"\b(?!CNY\b|NPV\b|SKU\b|ABS\b|NOLV\b|WAL\b|F-IRB\b|Excel\b|YYYY\w*)[A-Za-z]{3,}\b"
)


def english(text: str) -> re.Match | None:
    """An English word in a Chinese sentence, outside the quoted values it names."""
    return ENGLISH_WORD.search(re.sub(r"“[^”]*”", "", text))


def erp_file(*rows: str) -> bytes:
    text = "库存明细表 2026-11-28\n" + ERP_HEADER + "\n" + "\n".join(rows) + "\n"
    return text.encode("gbk")


def problems_of(data: bytes, name: str = "库存.csv") -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_inventory(data, name=name)
    return list(caught.value.problems)


# ---------------------------------------------------------------------------- input problems


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        ("A2,衬衫,服装,十,50,80,2026-10-01,B1,一号仓", "数量", "“十”不是数字"),
        ("A2,衬衫,服装,-3,50,80,2026-10-01,B1,一号仓", "数量", "必须大于 0，实际为 -3"),
        ("A2,衬衫,服装,,50,80,2026-10-01,B1,一号仓", "数量", "单元格为空：此列为必填"),
        ("A2,衬衫,服装,1,abc,80,2026-10-01,B1,一号仓", "单位成本", "“abc”不是数字"),
        ("A2,衬衫,服装,1,50,inf,2026-10-01,B1,一号仓", "单价", "“inf”不是有限的数字"),
        ("A2,衬衫,玩具,1,50,80,2026-10-01,B1,一号仓", "物料分类", "未知品类“玩具”"),
        ("A2,衬衫,服装,1,50,80,2026-02-30,B1,一号仓", "入库日期", "“2026-02-30”不是真实存在的日期"),
        ("A2,衬衫,服装,1,50,80,昨天,B1,一号仓", "入库日期", "“昨天”不是可识别的日期格式"),
        ("A1,衬衫,服装,1,50,80,2026-10-01,B1,一号仓", "物料编码", "SKU“A1”（B1 / 一号仓）重复"),
    ],
)
def test_gbk_erp_cell_problems_in_chinese(row, column, expected):
    problems = problems_of(erp_file(ERP_GOOD, row))
    assert len(problems) == 1
    problem = problems[0]
    line = problem.render("zh")
    # The file, the spreadsheet row (title row 1, header row 2, data from row 3), the
    # column as the file's own header has it, and the offending value.
    assert line.startswith("库存.csv，第 4 行，“" + column + "”列：")
    assert expected in line
    assert problem.code.startswith("problem.")
    assert not english(problem.render_message("zh")), line
    # English stays as it was.
    assert str(problem).startswith(f"库存.csv, row 4, column {column!r}: ")


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (ERP_HEADER.replace("数量,", "").encode("gbk") + b"\n", "a.csv", "缺少“quantity”列"),
        (b"", "a.csv", "文件是空的"),
        (b"x", "a.xls", "另存为 .xlsx"),
        (b"x", "a.doc", "无法识别的文件类型“.doc”"),
        ((ERP_HEADER + "\n").encode("gbk"), "a.csv", "没有数据行"),
    ],
)
def test_file_problems_in_chinese(data, name, expected):
    lines = InputError(problems_of(data, name)).render("zh")
    assert any(expected in line for line in lines), lines


def test_problem_table_in_chinese_keeps_its_columns():
    with pytest.raises(InputError) as caught:
        load_inventory(
            erp_file(ERP_GOOD, "A2,衬衫,服装,十,50,80,2026-10-01,B1,一号仓"), name="k.csv"
        )
    frame = caught.value.to_frame("zh")
    assert list(frame.columns) == ["file", "row", "column", "message"]
    assert frame.loc[0, "column"] == "数量"
    assert frame.loc[0, "message"] == "“十”不是数字"
    assert caught.value.to_frame().loc[0, "message"] == "'十' is not a number"


@pytest.mark.parametrize(
    ("overrides", "key", "zh", "en_percent", "zh_percent"),
    [
        (
            {"confidence": 0.4},
            "confidence",
            "confidence = 0.4 必须在 (0.5, 1) 范围内",
            "confidence = 40% must be between 50% and 100%",
            "confidence = 40% 必须在 50% 到 100% 之间",
        ),
        (
            {"pledge_loan": {"rate": 1.5}},
            "pledge_loan.rate",
            "pledge_loan.rate = 1.5 必须在 [0, 1) 范围内",
            "pledge_loan.rate = 150% must be between 0% and 100%",
            "pledge_loan.rate = 150% 必须在 0% 到 100% 之间",
        ),
        (
            {"categories": {"copper": {"selling_cost": 2}}},
            "categories.copper.selling_cost",
            "categories.copper.selling_cost = 2 必须在 [0, 1] 范围内",
            "categories.copper.selling_cost = 200% must be between 0% and 100%",
            "categories.copper.selling_cost = 200% 必须在 0% 到 100% 之间",
        ),
        (
            {"scenarios": 5},
            "scenarios",
            "scenarios = 5 必须在 [100, 1000000] 范围内",
            "scenarios = 5 must be within [100, 1000000]",
            "scenarios = 5 必须在 [100, 1000000] 范围内",
        ),
        ({"bogus": 1}, "bogus", "未知的键", "unknown key bogus", "未知的键"),
    ],
)
def test_assumption_problems_in_chinese_and_in_percent(overrides, key, zh, en_percent, zh_percent):
    with pytest.raises(InputError) as caught:
        parse_assumptions(overrides, file="app")
    [problem] = [p for p in caught.value.problems if p.key == key]
    assert zh in problem.render("zh")
    assert problem.render("zh").startswith(f"app，键 {key}：")
    assert problem.render_message("en", percent=True) == en_percent
    assert zh_percent in problem.render_message("zh", percent=True)


def test_text_survives_pickling_and_plain_strings_stay_english():
    import pickle

    text = Text("'x' is not a number", "problem.not_number", value="x")
    again = pickle.loads(pickle.dumps(text))
    assert render(again, "zh") == "“x”不是数字"
    assert render("plain English", "zh") == "plain English"
    assert render(Text("unknown code", "problem.nope"), "zh") == "unknown code"


# ---------------------------------------------------------------------------- notes


def _loan(**overrides):
    triggers = pd.DataFrame(
        {
            "line": ["warning_line", "top_up_line", "forced_sale_line"],
            "probability": [0.1, 0.05, 0.01],
        }
    )
    values = dict(
        loan=1_000_000.0,
        coverage=2.0,
        triggers=triggers,
        margin_at_drawdown=0.0,
        requested=0.0,
        borrowing_base=1_000_000.0,
    )
    return SimpleNamespace(**{**values, **overrides})


def _trust(**overrides):
    values = dict(
        pool_value=500.0,
        buyback=False,
        fair_senior_coupon=0.03,
        cash_now=100.0,
        repriced=False,
        offered_coupon=0.05,
        senior_principal=100.0,
        senior_claim=105.0,
        years=1.0,
    )
    return SimpleNamespace(**{**values, **overrides})


def _deal(**overrides):
    values = dict(
        issue_size=1e8,
        retention_rule=retention(0.1)[1],
        cash_now=5e7,
        below_minimum=False,
        minimum_issue=2e7,
    )
    return SimpleNamespace(**{**values, **overrides})


NOTES = {
    "hold": (lambda: (True, hold_notes()), "持有全部库存"),
    "liquidate": (
        lambda: liquidate_notes(SimpleNamespace(sold=np.array([0.5, 0.0])), np.array([1.0, 1.0])),
        "市值的 25% 现在通过清仓渠道出售",
    ),
    "liquidate_none": (
        lambda: liquidate_notes(SimpleNamespace(sold=np.zeros(2)), np.ones(2)),
        "没有清仓渠道",
    ),
    "loan": (lambda: pledge_loan_notes(_loan(), "CNY"), "贷款 CNY 1,000,000，初始覆盖率 2.00 倍"),
    "loan_capped": (
        lambda: pledge_loan_notes(_loan(requested=5e6, margin_at_drawdown=10.0), "CNY"),
        "申请金额 CNY 5,000,000 以可贷额度为上限",
    ),
    "loan_below": (
        lambda: pledge_loan_notes(_loan(loan=5e5), "CNY"),
        "低于可贷额度 CNY 1,000,000",
    ),
    "loan_none": (lambda: pledge_loan_notes(_loan(loan=0.0), "CNY"), "没有可贷额度"),
    "trust": (lambda: receipt_trust_notes(_trust(), 1000.0), "优先级票面利率为 3.00%"),
    "trust_repriced": (
        lambda: receipt_trust_notes(_trust(repriced=True), 1000.0),
        "按投资者所需的优先级票面利率 5.00% 定价",
    ),
    "trust_buyback": (lambda: receipt_trust_notes(_trust(buyback=True), 1000.0), "有回购义务"),
    "trust_unsellable": (
        lambda: receipt_trust_notes(_trust(fair_senior_coupon=math.nan), 1000.0),
        "任何优先级票面利率",
    ),
    "trust_nothing": (lambda: receipt_trust_notes(_trust(cash_now=0.0), 1000.0), "筹不到资金"),
    "trust_no_stock": (lambda: receipt_trust_notes(_trust(pool_value=0.0), 1000.0), "没有可开仓单"),
    "abs": (lambda: abs_notes(_deal(), "CNY"), "发行规模 CNY 100,000,000"),
    "abs_vertical": (
        lambda: abs_notes(_deal(retention_rule=retention(0.02)[1]), "CNY"),
        "以发行规模 5% 的测试为约束",
    ),
    "abs_small": (lambda: abs_notes(_deal(below_minimum=True), "CNY"), "低于合理的最低发行规模"),
    "abs_nothing": (lambda: abs_notes(_deal(cash_now=0.0), "CNY"), "扣除成本后出售的证券"),
}


@pytest.mark.parametrize("case", list(NOTES))
def test_route_notes_in_chinese(case):
    make, expected = NOTES[case]
    _, notes = make()
    in_english = str(notes)
    chinese = render(notes, "zh")
    assert expected in chinese
    assert not english(chinese), chinese
    assert render(notes, "en") == in_english


# ---------------------------------------------------------------------------- recommendation


def _table(rows):
    return pd.DataFrame(
        rows,
        columns=["option", "cash_now", "npv", "feasible", "loss_retained_p95", "npv_std_error"],
    )


TABLE = _table(
    [
        ("hold", 0.0, 100.0, True, 50.0, 0.0),
        ("liquidate", 80.0, 90.0, True, 10.0, 1.0),
        ("pledge_loan", 60.0, 120.0, True, 50.0, 1.0),
        ("mix", 80.0, 110.0, True, 20.0, 1.0),
    ]
)
LOAN_RISKS = {
    "pledge_loan": {"coverage": 2.0, "p_warning": 0.1, "p_top_up": 0.05, "p_forced_sale": 0.01}
}
RECOMMENDATIONS = {
    "none_feasible": (dict(table=TABLE.assign(feasible=False), cash_target=0.0), "没有可行的方案"),
    "target_out_of_reach": (dict(table=TABLE, cash_target=1000.0), "没有方案能筹足目标 CNY 1,000"),
    "target_and_limit": (
        dict(table=TABLE, cash_target=1000.0, max_loss_p95=5.0),
        "在风险限额 CNY 5 之内",
    ),
    "hold_within_noise": (
        dict(table=TABLE.assign(npv_std_error=100.0), cash_target=0.0),
        "“库存质押融资”仅领先 CNY 20",
    ),
    "beats": (
        dict(table=TABLE, cash_target=0.0, risks=LOAN_RISKS),
        "比次优方案“组合方案”高出 CNY 10",
    ),
    "only": (dict(table=TABLE, cash_target=70.0, discount_rate=0.08), "按公司 8.0% 的资金成本计算"),
    "ties": (
        dict(table=TABLE.assign(npv=[100.0, 90.0, 120.0, 120.0]), cash_target=0.0),
        "与“组合方案”持平",
    ),
    "mix": (
        dict(
            table=TABLE.assign(npv=[100.0, 90.0, 100.0, 130.0]),
            cash_target=0.0,
            allocation=(("copper", "liquidate", 1.0), ("apparel", "pledge_loan", 0.25)),
        ),
        "铜的 100% 用于折价清仓，服装的 25% 用于库存质押融资",
    ),
}


@pytest.mark.parametrize("case", list(RECOMMENDATIONS))
def test_recommendation_in_chinese(case):
    kwargs, expected = RECOMMENDATIONS[case]
    kwargs = dict(kwargs)
    rec = recommend(kwargs.pop("table"), kwargs.pop("cash_target"), "CNY", **kwargs)
    chinese = render(rec.reason, "zh")
    assert expected in chinese, chinese
    assert not english(chinese), chinese
    assert render(rec.reason, "en") == str(rec.reason)


# ---------------------------------------------------------------------------- CLI and exports

SMALL = (
    "sku,category,quantity,unit_cost,unit_price,age_days\n"
    "A1,apparel,10,50,80,30\n"
    "A2,copper,1,50000,70000,5\n"
    "A3,steel,3,4000,4200,200\n"
)
ARGS = ["--valuation-date", "2026-11-24", "--scenarios", "200"]


@pytest.fixture(scope="module")
def small_result():
    lots = load_inventory(SMALL.encode(), name="small.csv")
    return evaluate(lots, parse_assumptions({"scenarios": 200, "valuation_date": "2026-11-24"}))


def test_cli_lang_zh_prints_and_writes_chinese(tmp_path, capsys):
    (tmp_path / "s.csv").write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    assert (
        main(["evaluate", str(tmp_path / "s.csv"), "--out", str(out), "--lang", "zh", *ARGS]) == 0
    )
    stdout = capsys.readouterr().out
    assert stdout.startswith("估值日 2026-11-24：3 个批次（CNY）")
    assert "推荐：" in stdout or "不推荐：" in stdout
    assert "库存质押融资" in stdout and "已写入" in stdout
    header = (out / "options.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("方案,即期现金")
    book = openpyxl.load_workbook(out / "valuation.xlsx")
    assert book.sheetnames[:3] == ["汇总", "批次明细", "融资方案"]


def test_cli_bad_gbk_file_exits_2_with_chinese_errors(tmp_path, capsys):
    path = tmp_path / "库存.csv"
    path.write_bytes(
        erp_file(
            "A2,衬衫,服装,十,50,80,2026-10-01,B1,一号仓", "A3,x,玩具,1,5,6,2026-10-01,B1,一号仓"
        )
    )
    out = tmp_path / "out"
    assert main(["evaluate", str(path), "--out", str(out), "--lang", "zh", *ARGS]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "库存.csv，第 3 行，“数量”列：“十”不是数字",
        lines[1],
    ]
    assert lines[1].startswith("库存.csv，第 4 行，“物料分类”列：未知品类“玩具”")
    assert not out.exists()


def test_cli_takes_chinese_from_lang_environment(tmp_path, capsys, monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    path = tmp_path / "k.csv"
    path.write_bytes(erp_file("A2,衬衫,服装,十,50,80,2026-10-01,B1,一号仓"))
    assert main(["evaluate", str(path), "--out", str(tmp_path / "o"), *ARGS]) == 2
    assert "“十”不是数字" in capsys.readouterr().err
    # --lang wins over the environment.
    assert main(["evaluate", str(path), "--out", str(tmp_path / "o"), "--lang", "en", *ARGS]) == 2
    assert "'十' is not a number" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN"}, "en"),
        ({"LC_ALL": "zh_CN.GB18030", "LANG": "C"}, "zh"),
        ({}, "en"),
    ],
)
def test_default_language_follows_the_environment(environ, lang):
    assert default_lang(environ) == lang


def test_workbook_in_chinese(small_result):
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(small_result, lang="zh")))
    assert book.sheetnames == [
        "汇总", "批次明细", "融资方案", "组合方案", "折扣率", "可贷额度", "假设", "清仓渠道",
        "贷款计划", "贷款触发线", "信托分配顺序", "ABS分档", "ABS偿付",
    ]  # fmt: skip
    summary = {row[0].value: row[1].value for row in book["汇总"].iter_rows(min_row=2)}
    assert [c.value for c in book["汇总"][1]] == ["项目", "数值"]
    why = summary["理由"]
    assert why == small_result.recommendation_text("zh")
    assert not english(why), why
    options = book["融资方案"]
    assert [c.value for c in options[1]][:3] == ["方案", "即期现金", "成本（现值）"]
    assert options["A2"].value == "持有"
    lots = book["批次明细"]
    assert [c.value for c in lots[1]][:4] == ["SKU", "品类", "数量", "单位成本"]
    assert lots["B2"].value == "服装"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_workbook_headers_dates_and_print_setup(small_result, lang):
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(small_result, lang=lang)))
    for ws in book.worksheets:
        assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (1, None), ws.title
        assert ws.page_setup.paperSize == 9
        assert "2026-11-24" in ws.oddHeader.right.text, ws.title
        assert ws.oddHeader.left.text, ws.title
    assert book.worksheets[1].page_setup.orientation == "landscape"  # the lots: wide
    assert book.worksheets[0].page_setup.orientation == "portrait"  # the summary
    # The summary on one page (1 is the file format's default); the lots as long as needed.
    assert book.worksheets[0].page_setup.fitToHeight in (1, None)
    assert book.worksheets[1].page_setup.fitToHeight == 0
    for name in ("Loan schedule", "ABS payments"):
        ws = book[
            name if lang == "en" else {"Loan schedule": "贷款计划", "ABS payments": "ABS偿付"}[name]
        ]
        dates = [row[0] for row in ws.iter_rows(min_row=2)]
        assert dates and all(c.is_date for c in dates), name
        assert dates[0].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_csv_money_to_the_cent_and_rates_to_six_places(small_result, lang):
    files = csv_files(small_result, lang)
    assert set(files) == {"lots.csv", "options.csv", "mix.csv", "borrowing_base.csv"}
    for name, data in files.items():
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        for row in rows[1:]:
            for cell in row:
                if re.fullmatch(r"-?[0-9]+\.[0-9]+", cell):
                    assert len(cell.split(".")[1]) <= 6, (name, cell)
    lots = pd.read_csv(io.BytesIO(files["lots.csv"]), encoding="utf-8-sig")
    money = lots.columns[6] if lang == "zh" else "market_value"
    text = files["lots.csv"].decode("utf-8-sig")
    for value in lots[money]:
        assert round(value, 2) == value
    assert "136761919.28666002" not in text


def test_certificate_csv_in_both_languages(small_result):
    en = csv_files(small_result, "en")["borrowing_base.csv"].decode("utf-8-sig").splitlines()
    zh = csv_files(small_result, "zh")["borrowing_base.csv"].decode("utf-8-sig").splitlines()
    assert en[0] == "line,item,kind,lots,amount"
    assert zh[0] == "行代码,项目,类型,批次数,金额"
    # Text cells are quoted (finance/report/csv.py), the header as it always was.
    first_en, first_zh = (next(csv.reader([lines[1]])) for lines in (en, zh))
    assert first_en[:4] == ["gross_inventory", "Gross inventory (market value)", "item", "3"]
    assert first_zh[:4] == ["gross_inventory", "库存总额（市值）", "项目", "3"]
    assert len(en) == len(zh)


def test_every_progress_step_has_a_chinese_name():
    # The steps evaluate and the stress test report are shown in the CLI's progress bar
    # (and the app's): each has its own Chinese name in the core's catalog.
    from conftest import lot_frame, make_assumptions

    from finance import evaluate
    from finance.analysis.stress import stress_test
    from finance.locale import label

    seen: list[str] = []
    lots, a = lot_frame({}), make_assumptions(scenarios=200)
    result = evaluate(lots, a, progress=lambda done, step: seen.append(step))
    stress_test(lots, a, base=result, progress=lambda done, step: seen.append(step))
    for step in dict.fromkeys(seen):
        chinese = label("step", step, "zh")
        assert chinese != step and re.search(r"[\u4e00-\u9fff]", chinese), step
