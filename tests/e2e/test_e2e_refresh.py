"""A browser refresh in the middle of a valuation ends in a usable page, not an error."""

from __future__ import annotations

import pytest

from finance.inputs.sample import generate_inventory, write_inventory

from .helpers import catalog, go_to, open_page, upload, wait_for_run

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

EN = catalog("en")


@pytest.mark.e2e
def test_refresh_mid_valuation(new_page, app_url: str, tmp_path) -> None:
    # Large enough that valuing it and its stress test takes a few seconds.
    path = tmp_path / "big.csv"
    write_inventory(generate_inventory(40_000, seed=11, dated=True), path)
    page = new_page("en-US")
    open_page(page, app_url, "inventory")
    upload(page, "big.csv", path.read_bytes())
    expect(page.get_by_text("40,000 lots read")).to_be_visible(timeout=120_000)
    wait_for_run(page)  # the inventory page's own run is over before we navigate

    go_to_financing = page.get_by_test_id("stSidebarNavLink").filter(
        has=page.get_by_text(EN["nav.financing"], exact=True)
    )
    go_to_financing.click()
    # Reload once the financing page's run is under way (its URL is set when it starts).
    page.wait_for_url("**/financing", timeout=30_000)
    page.locator("[data-testid='stApp'][data-test-script-state='running']").wait_for(
        state="attached", timeout=30_000
    )
    page.reload(wait_until="domcontentloaded")
    wait_for_run(page)

    # A new session: the financing page again, on the sample, complete and without errors.
    h1 = page.get_by_test_id("stMain").locator("h1")
    expect(h1).to_have_text(EN["financing.title"], timeout=120_000)
    wait_for_run(page)
    expect(page.get_by_text("Recommended:")).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("the sample inventory", exact=False).first).to_be_visible()
    # And the app still works: another page renders.
    go_to(page, EN["nav.collateral"])
    expect(h1).to_have_text(EN["collateral.title"])
    expect(page.get_by_test_id("stException")).to_have_count(0)
