"""Inventory financing evaluator: the Streamlit entry point.

Run ``streamlit run app.py``. Sets up the page, the session's language (from the
browser's locale until the user picks one) and the navigation; each page is a module in
``app_pages/`` that describes its part of the UI. All figures come from ``finance``.
"""

from pathlib import Path

import streamlit as st

from ui.auth import auth_configured, require_sign_in, sidebar_user
from ui.history import db_configured
from ui.i18n import LANGUAGES, language_of, t
from ui.state import LANG, LANG_PICKER, init_state

st.set_page_config(
    page_title="Inventory financing evaluator · 库存融资评估",
    # A file served by this server: a Material icon as favicon is fetched from
    # fonts.gstatic.com, which the app must not need (it runs without outside network).
    page_icon=str(Path(__file__).parent / "ui" / "assets" / "favicon.png"),
    layout="wide",
)
init_state(language_of(st.context.locale))


def _pick_language() -> None:
    st.session_state[LANG] = st.session_state[LANG_PICKER]


with st.sidebar:
    st.selectbox(
        "Language · 语言",
        options=list(LANGUAGES),
        index=list(LANGUAGES).index(st.session_state[LANG]),
        format_func=LANGUAGES.get,
        key=LANG_PICKER,
        on_change=_pick_language,
    )
    sidebar_user()
# With [auth] in .streamlit/secrets.toml: a landing view until the user signs in.
require_sign_in()
pages = [
    st.Page(
        "app_pages/inventory.py",
        title=t("nav.inventory"),
        icon=":material/inventory_2:",
        default=True,
    ),
    st.Page("app_pages/assumptions.py", title=t("nav.assumptions"), icon=":material/tune:"),
    st.Page("app_pages/calibrate.py", title=t("nav.calibrate"), icon=":material/query_stats:"),
    st.Page(
        "app_pages/collateral.py", title=t("nav.collateral"), icon=":material/account_balance:"
    ),
    st.Page("app_pages/risk.py", title=t("nav.risk"), icon=":material/trending_down:"),
    st.Page("app_pages/financing.py", title=t("nav.financing"), icon=":material/payments:"),
    st.Page("app_pages/export.py", title=t("nav.export"), icon=":material/download:"),
    st.Page("app_pages/history.py", title=t("nav.history"), icon=":material/history:"),
    st.Page("app_pages/book.py", title=t("nav.book"), icon=":material/account_tree:"),
]
page = st.navigation(pages, position="sidebar")
if auth_configured() or db_configured():
    # An analyst's or an approver's runs awaiting a decision, each a link to the History
    # page. Only for a team (sign-in or a team database): the open app on localhost has no
    # roles, and need not load the run database's modules for every page.
    from ui.signoff import sidebar_sign_off

    with st.sidebar:
        sidebar_sign_off()
page.run()
