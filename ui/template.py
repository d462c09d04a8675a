"""The stock-list template the Inventory page offers, and the category names a file lacks.

The template is a small stock list the loader reads as it is: English headers (the
canonical column names) or the Chinese headers an ERP export uses (物料编码, 物料名称, ...),
as CSV (UTF-8 with a BOM, so that Excel shows the Chinese) or XLSX.

:func:`unknown_category_names` finds the category names of an upload that the session's
categories do not know, from the file's own cells (the category column found by its
header or an alias), so that the page can offer a picker for each without reading the
loader's messages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import pandas as pd

from finance import InputError, load_inventory
from finance.inputs.categories import Category
from finance.inputs.inventory import category_texts

#: The template's columns: canonical name, Chinese ERP header.
TEMPLATE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("sku", "物料编码"),
    ("description", "物料名称"),
    ("category", "物料分类"),
    ("unit", "计量单位"),
    ("quantity", "数量"),
    ("unit_cost", "单位成本"),
    ("unit_price", "单价"),
    ("received_date", "入库日期"),
    ("expiry_date", "保质期至"),
    ("monthly_sales", "月销量"),
    ("warehouse", "仓库"),
    ("batch", "批次号"),
)

# Three example lots: (sku, description en/zh, category key/label, unit en/zh, quantity,
# unit cost, unit price, received, expiry, monthly sales, warehouse en/zh, batch).
_EXAMPLES = (
    ("APP-1001", ("Men's shirt XL", "男士衬衫 XL"), ("apparel", "服装"), ("pcs", "件"),
     1200, 52.5, 89.0, "2026-08-15", "", 310, ("Shanghai DC", "上海仓"), "B2608"),
    ("APP-1001", ("Men's shirt XL", "男士衬衫 XL"), ("apparel", "服装"), ("pcs", "件"),
     800, 53.0, 89.0, "2026-10-02", "", 310, ("Chengdu DC", "成都仓"), "B2610"),
    ("FOD-2001", ("Milk powder 800g", "奶粉 800g"), ("food", "食品"), ("tin", "罐"),
     2400, 96.0, 158.0, "2026-09-20", "2028-03-19", 640, ("Shanghai DC", "上海仓"), "B2609"),
)  # fmt: skip


def template_frame(lang: str) -> pd.DataFrame:
    """The template as a table: English or Chinese headers, example lots in that language."""
    zh = lang == "zh"
    rows = [
        {
            "sku": sku,
            "description": desc[zh],
            "category": cat[zh],
            "unit": unit[zh],
            "quantity": qty,
            "unit_cost": cost,
            "unit_price": price,
            "received_date": received,
            "expiry_date": expiry,
            "monthly_sales": sales,
            "warehouse": wh[zh],
            "batch": batch,
        }
        for sku, desc, cat, unit, qty, cost, price, received, expiry, sales, wh, batch in _EXAMPLES
    ]
    frame = pd.DataFrame(rows, columns=[name for name, _ in TEMPLATE_COLUMNS])
    if zh:
        frame = frame.rename(columns=dict(TEMPLATE_COLUMNS))
    return frame


def template_csv(lang: str) -> bytes:
    """The template as CSV, UTF-8 with a BOM (Excel then reads the Chinese right)."""
    return template_frame(lang).to_csv(index=False).encode("utf-8-sig")


def template_xlsx(lang: str) -> bytes:
    """The template as an XLSX workbook of one sheet, with bold headers."""
    buffer = io.BytesIO()
    sheet = "库存" if lang == "zh" else "Inventory"
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        template_frame(lang).to_excel(writer, sheet_name=sheet, index=False)
        ws = writer.sheets[sheet]
        for cell in ws[1]:
            ws.column_dimensions[cell.column_letter].width = max(12, 2 * len(str(cell.value)) + 2)
    return buffer.getvalue()


# ------------------------------------------------------------------ unknown categories


def unknown_category_names(
    name: str,
    data: bytes,
    categories: Mapping[str, Category],
    category_names: Mapping[str, str] | None = None,
    **limits: int,
) -> list[str]:
    """The category names in the upload that neither the categories nor the names know.

    The names are read by the loader's own bounded reader with the page's ``limits``
    (``max_bytes``, ``max_rows``, ``max_cells``, ``max_text``), so that an upload the
    loader refuses for its size is not read whole here either; each distinct name is then
    tried through the loader itself (one lot per name), so that a name counts as known
    exactly when the loader would take it.
    """
    names = category_texts(data, name=name, **limits)
    if not names:
        return []
    probe = io.StringIO()
    writer = csv.writer(probe)
    writer.writerow(["sku", "category", "quantity", "unit_cost", "unit_price", "age_days"])
    for i, text in enumerate(names):
        writer.writerow([f"P{i}", text, 1, 1, 1, 0])
    try:
        load_inventory(
            probe.getvalue().encode("utf-8"),
            name="probe.csv",
            categories=categories,
            category_names=category_names,
        )
    except InputError as exc:
        rows = {p.row for p in exc.problems if p.column == "category" and p.row is not None}
        return [text for i, text in enumerate(names) if i + 2 in rows]
    return []
