"""Inventory: upload a stock list (or use the sample), see its problems or its summary."""

import streamlit as st

from finance import Assumptions
from finance.report.summary import inventory_summary
from ui import compute, session
from ui.formatting import money_metric, plain, table, translate_codes
from ui.i18n import label, lang, t
from ui.state import (
    APPLY_MAPPING,
    INVENTORY,
    MAPPING_PREFIX,
    UPLOAD,
    UPLOAD_SEEN,
    USE_SAMPLE,
    assumptions_doc,
)
from ui.template import template_csv, template_xlsx
from ui.uploader import file_uploader, newly_uploaded


def _use_sample() -> None:
    st.session_state[INVENTORY] = None
    # The file may still sit in the uploader: mark it as seen so that it is not taken again.
    in_uploader = st.session_state.get(UPLOAD)
    st.session_state[UPLOAD_SEEN] = in_uploader.file_id if in_uploader is not None else None


def _pick_key(upload: tuple[str, bytes, str], name: str) -> str:
    return f"{MAPPING_PREFIX}{upload[2][:16]}.{name}"


def _apply_mapping(upload: tuple[str, bytes, str], names: list[str]) -> None:
    chosen = {n: st.session_state.get(_pick_key(upload, n)) for n in names}
    chosen = {n: key for n, key in chosen.items() if key}
    if chosen:
        # The company's own names, kept with the assumptions (and in the file they save).
        doc = assumptions_doc()
        doc["category_names"] = {**doc.get("category_names", {}), **chosen}


def _mapping_step(upload: tuple[str, bytes, str], a: Assumptions) -> None:
    """Offer a category for each name the upload uses that no category knows."""
    names = compute.unknown_categories(upload, a)
    if not names:
        return
    with st.container(border=True):
        st.subheader(t("inventory.mapping_title"))
        st.markdown(t("inventory.mapping_intro", n=len(names)))
        # Labels worked out here: the picker keeps the key, whatever the language.
        shown = {key: label("category", key) for key in a.categories}
        for name in names:
            st.selectbox(
                t("inventory.mapping_pick", name=plain(name)),
                options=list(shown),
                index=None,
                format_func=shown.__getitem__,
                placeholder=t("inventory.mapping_placeholder"),
                key=_pick_key(upload, name),
            )
        ready = any(st.session_state.get(_pick_key(upload, n)) for n in names)
        st.button(
            t("inventory.mapping_apply"),
            key=APPLY_MAPPING,
            type="primary",
            disabled=not ready,
            on_click=_apply_mapping,
            args=(upload, names),
        )
        st.caption(t("inventory.mapping_saved"))


st.title(t("inventory.title"))
st.markdown(t("inventory.intro"))

upload = file_uploader(
    t("inventory.upload"),
    key=UPLOAD,
    types=("csv", "txt", "xlsx", "xlsm", "parquet", "pq"),
    max_mb=compute.MAX_UPLOAD_MB,
    help=t("inventory.upload_help"),
)
if newly_uploaded(upload, UPLOAD_SEEN):
    st.session_state[INVENTORY] = compute.as_upload(upload.name, upload.getvalue())
as_csv, as_xlsx, sample = st.columns([1, 1, 2], vertical_alignment="bottom")
as_csv.download_button(
    t("inventory.template_csv"),
    data=template_csv(lang()),
    file_name=t("inventory.template_file") + ".csv",
    mime="text/csv",
    key="template_csv",
    on_click="ignore",
    icon=":material/download:",
    help=t("inventory.template_help"),
)
as_xlsx.download_button(
    t("inventory.template_xlsx"),
    data=template_xlsx(lang()),
    file_name=t("inventory.template_file") + ".xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="template_xlsx",
    on_click="ignore",
    icon=":material/download:",
    help=t("inventory.template_help"),
)
sample.button(t("inventory.use_sample"), key=USE_SAMPLE, on_click=_use_sample)

current = st.session_state[INVENTORY]
if current is None:
    st.info(t("inventory.using_sample", file=compute.SAMPLE_FILE.name))
else:
    st.info(t("inventory.using_upload", file=plain(current[0])))

given = session.inputs(link_to_inventory=False, on_problems=_mapping_step)
lots = given.lots
session.valuation_date_badge(given.assumptions)
st.success(t("inventory.valid", lots=f"{len(lots):,}"))
if names := given.assumptions.category_names:
    mapped = ", ".join(f"{plain(k)} → {label('category', v)}" for k, v in names.items())
    st.caption(t("inventory.mapped_names", names=mapped))
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
