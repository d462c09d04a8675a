"""A Chinese team's ERP export in a browser: an unknown category name mapped in the app."""

from __future__ import annotations

import pytest

from .helpers import catalog, go_to, open_page, upload, wait_for_run

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

ZH = catalog("zh")

#: A Kingdee-style stock list: a title row, ERP headers, batches over warehouses, thousands
#: separators and a 合计 row; 男装 is no category the evaluator knows, 电子 a synonym.
ERP_CSV = (
    "库存明细表 2026-11-28,,,,,,,,,,\n"
    ",,,,,,,,,,\n"
    "物料编码,物料名称,规格型号,物料分类,批次号,仓库,数量,单位成本,单价,金额,入库日期\n"
    'M-1001,男士衬衫,XL,男装,B2608,上海仓,"1,200",52.50,89.00,"106,800.00",2026-08-15\n'
    'M-1001,男士衬衫,XL,男装,B2610,成都仓,800,53.00,89.00,"71,200.00",2026-10-02\n'
    'M-1002,男士夹克,L,男装,B2609,上海仓,450,180.00,299.00,"134,550.00",2026-09-12\n'
    'E-2001,蓝牙耳机,TWS,电子,B2607,上海仓,300,90.00,150.00,"45,000.00",2026-07-20\n'
    '合计,,,,,,"2,750",,,"357,550.00",\n'
).encode("gbk")


@pytest.mark.e2e
def test_a_chinese_erp_export_is_mapped_and_reaches_the_financing_page(
    new_page, app_url: str
) -> None:
    page = new_page("zh-CN")
    open_page(page, app_url, "inventory")
    main = page.get_by_test_id("stMain")
    expect(main.locator("h1")).to_have_text(ZH["inventory.title"])

    upload(page, "库存明细表.csv", ERP_CSV)
    # Not read yet: the page asks what 男装 is, and only that (电子 is a known synonym).
    expect(main.get_by_role("heading", name=ZH["inventory.mapping_title"])).to_be_visible()
    pickers = page.get_by_test_id("stSelectbox").filter(has_text="男装")
    expect(pickers).to_have_count(1)
    expect(page.get_by_test_id("stSelectbox").filter(has_text="电子")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(0)
    apply = main.get_by_role("button", name=ZH["inventory.mapping_apply"])
    expect(apply).to_be_disabled()

    pickers.first.click()
    page.get_by_role("option", name="服装", exact=True).click()
    wait_for_run(page)
    expect(apply).to_be_enabled()
    apply.click()
    wait_for_run(page)

    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_have_text(ZH["inventory.valid"].format(lots="4"))
    expect(main.get_by_role("heading", name=ZH["inventory.mapping_title"])).to_have_count(0)
    expect(main).to_contain_text("男装 → 服装")
    expect(page.get_by_test_id("stException")).to_have_count(0)

    go_to(page, ZH["nav.financing"])
    expect(main.locator("h1")).to_have_text(ZH["financing.title"])
    expect(main.get_by_role("heading", name=ZH["financing.mix"])).to_be_visible()
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
