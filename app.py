"""Streamlit entry point (placeholder until the app is built).

The valuation core is ready and used from the command line; the pages come next.
"""

import streamlit as st

st.set_page_config(page_title="Inventory financing evaluator", page_icon=":material/inventory_2:")
st.title("Inventory financing evaluator · 库存融资评估")
st.info(
    "The browser app comes next. Meanwhile value an inventory from the command line: "
    "`python -m finance evaluate data/sample_inventory.csv`."
)
