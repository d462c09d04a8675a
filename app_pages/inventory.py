"""Inventory: upload a stock list (or use the sample), see its problems or its summary."""

import streamlit as st

from finance.report.summary import inventory_summary
from ui import compute, session
from ui.formatting import money_metric, plain, table, translate_codes
from ui.i18n import t
from ui.state import INVENTORY, UPLOAD, UPLOAD_SEEN, USE_SAMPLE


def _use_sample() -> None:
    st.session_state[INVENTORY] = None
    # The file may still sit in the uploader: mark it as seen so that it is not taken again.
    in_uploader = st.session_state.get(UPLOAD)
    st.session_state[UPLOAD_SEEN] = in_uploader.file_id if in_uploader is not None else None


st.title(t("inventory.title"))
st.markdown(t("inventory.intro"))

upload = st.file_uploader(
    t("inventory.upload"),
    type=["csv", "txt", "xlsx", "xlsm", "parquet", "pq"],
    key=UPLOAD,
    help=t("inventory.upload_help"),
    max_upload_size=compute.MAX_UPLOAD_MB,
)
# The uploader forgets its file when the user visits another page; the session keeps it.
if upload is not None and st.session_state.get(UPLOAD_SEEN) != upload.file_id:
    st.session_state[UPLOAD_SEEN] = upload.file_id
    st.session_state[INVENTORY] = compute.as_upload(upload.name, upload.getvalue())
st.button(t("inventory.use_sample"), key=USE_SAMPLE, on_click=_use_sample)

current = st.session_state[INVENTORY]
if current is None:
    st.info(t("inventory.using_sample", file=compute.SAMPLE_FILE.name))
else:
    st.info(t("inventory.using_upload", file=plain(current[0])))

given = session.inputs(link_to_inventory=False)
lots = given.lots
st.success(t("inventory.valid", lots=f"{len(lots):,}"))
left_out = lots.attrs.get("totals_rows", [])
if left_out:
    # An ERP export's totals rows: say they were left out, so no one looks for them.
    shown = ", ".join(str(r) for r in left_out[:10]) + (", ..." if len(left_out) > 10 else "")
    st.caption(
        t(
            "inventory.read_as_export",
            header=lots.attrs.get("header_row", 1),
            count=len(left_out),
            rows=shown,
        )
    )
by_category = inventory_summary(lots, "category")
by_warehouse = inventory_summary(lots, "warehouse")
currency = given.assumptions.currency
cols = st.columns(4)
cols[0].metric(t("metric.lots"), f"{len(lots):,}")
money_metric(cols[1], t("metric.market_value"), by_category["market_value"].sum(), currency)
money_metric(cols[2], t("metric.cost_value"), by_category["cost_value"].sum(), currency)
cols[3].metric(t("metric.warehouses"), f"{len(by_warehouse):,}")

left, right = st.columns(2)
with left:
    st.subheader(t("inventory.by_category"))
    table(translate_codes(by_category, {"category": "category"}), currency)
with right:
    st.subheader(t("inventory.by_warehouse"))
    table(by_warehouse, currency)

st.subheader(t("inventory.lots"))
table(translate_codes(lots.reset_index(), {"category": "category"}), currency, height=360)
