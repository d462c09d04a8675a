"""Book: many borrowers valued on one scenario set, the lender's losses summed per scenario.

The files are a manifest and the inventories it names (several uploads, or one zip), or
the demo book. They are valued on an embedded local Dask cluster (:mod:`ui.book`, cached
by the files' digest), the cluster's progress shown as the borrowers complete; the page
then shows the book's loss against the sum of the borrowers' own, the borrowers, the
exposures by category and warehouse, the double pledges, and opens one borrower on the
other pages (its inventory and assumptions become the session's).
"""

import streamlit as st

from finance.book.book import BOOK_COLUMNS
from finance.report.csv import safe_csv_bytes
from ui import book, charts, compute
from ui.formatting import MONEY_FORMAT, money, plain
from ui.i18n import label, lang, t
from ui.state import (
    ASSUMPTIONS,
    BOOK_DEMO,
    BOOK_FILES,
    BOOK_FILTER,
    BOOK_OPEN,
    BOOK_OPENED,
    BOOK_PICK,
    BOOK_SHOW,
    BOOK_UPLOAD,
    BOOK_UPLOAD_SEEN,
    BORROWER,
    INVENTORY,
)
from ui.uploader import file_uploader

language = lang()
st.title(t("book.title"))
st.markdown(t("book.intro"))


def _use_demo() -> None:
    files = book.demo_files(t("book.demo_name"))
    st.session_state[BOOK_FILES] = (files, book.digest_files(files))
    in_uploader = st.session_state.get(BOOK_UPLOAD) or []
    st.session_state[BOOK_UPLOAD_SEEN] = tuple(f.file_id for f in in_uploader)


uploads = file_uploader(
    t("book.upload"),
    key=BOOK_UPLOAD,
    types=book.TYPES,
    max_mb=compute.MAX_UPLOAD_MB,
    accept_multiple_files=True,
    help=t("book.upload_help"),
)
st.button(
    t("book.demo", borrowers=book.DEMO_BORROWERS, lots=book.DEMO_LOTS),
    key=BOOK_DEMO,
    on_click=_use_demo,
    icon=":material/science:",
)
# The uploader forgets its files on another page; the session keeps them.
seen = tuple(f.file_id for f in uploads or [])
if seen and st.session_state.get(BOOK_UPLOAD_SEEN) != seen:
    st.session_state[BOOK_UPLOAD_SEEN] = seen
    try:
        files = book.files_from_uploads([(f.name, f.getvalue()) for f in uploads])
    except book.BookFilesError as exc:
        st.session_state[BOOK_FILES] = None
        st.error(str(exc))
        st.stop()
    st.session_state[BOOK_FILES] = (files, book.digest_files(files))

current = st.session_state.get(BOOK_FILES)
if current is None:
    st.info(t("book.none_yet"))
    st.stop()
files, files_key = current
try:
    valued = book.valued(files, files_key)
except book.BookFilesError as exc:
    st.error(str(exc))
    st.stop()
if valued.result is None:
    from ui.session import show_problems

    show_problems(valued.problems, t("book.manifest_problems", n=len(valued.problems)))
    st.stop()

result = valued.result
currency = result.currency
n_total, n_valued = len(result.borrowers), len(result.valued)
st.caption(
    t("book.caption", valued=n_valued, total=n_total, scenarios=f"{valued.scenarios:,}",
      files=len(files), workers=book.WORKERS)
)  # fmt: skip

# ------------------------------------------------------------------------ double pledges
pledges = result.double_pledges
if len(pledges):
    lines = [
        t(
            "book.double_pledge",
            warehouse=plain(r.warehouse),
            batch=plain(r.batch) or "–",
            sku=plain(r.sku),
            borrowers=plain(r.borrowers.replace("; ", "、" if language == "zh" else ", ")),
        )
        for r in pledges.itertuples(index=False)
    ]
    st.error(
        t("book.double_pledges_found", n=len(pledges))
        + "\n\n"
        + "\n".join(f"- {s}" for s in lines),
        icon=":material/warning:",
    )

# ------------------------------------------------------------------------------ summary
loss = result.loss_table().set_index("statistic")
st.subheader(t("book.summary"))
if not result.valued:
    st.warning(t("book.none_valued"))
else:
    # Full amounts: a book's losses may be a few hundred where its loans are millions.
    def _figure(col, title: str, statistic: str, column: str = "book") -> None:
        col.metric(
            title,
            money(float(loss.loc[statistic, column]), currency),
            help=t(
                "book.stat_help",
                sum=money(float(loss.loc[statistic, "sum_of_borrowers"]), currency),
                diversification=money(float(loss.loc[statistic, "diversification"]), currency),
            ),
        )

    cols = st.columns(4)
    cols[0].metric(t("book.borrowers_valued"), f"{n_valued} / {n_total}")
    for col, statistic in zip(cols[1:], ("mean", "p95", "p99"), strict=True):
        _figure(col, t(f"book.stat.{statistic}"), statistic)
    cols = st.columns(4)
    for col, statistic in zip(cols[:2], ("es95", "es99"), strict=True):
        _figure(col, t(f"book.stat.{statistic}"), statistic)
    _figure(cols[2], t("book.diversification_p99"), "p99", "diversification")
    _figure(cols[3], t("book.diversification_es99"), "es99", "diversification")
    shown_loss = loss.reset_index()
    shown_loss["statistic"] = [t(f"book.stat.{s}") for s in shown_loss["statistic"]]
    st.dataframe(
        shown_loss,
        hide_index=True,
        column_config={
            "statistic": st.column_config.Column(t("book.col.statistic"), pinned=True),
            **{
                c: st.column_config.NumberColumn(
                    f"{t(f'book.col.{c}')} ({currency})", format=MONEY_FORMAT
                )
                for c in ("book", "sum_of_borrowers", "diversification")
            },
        },
    )
    st.caption(t("book.loss_caption"))

# ---------------------------------------------------------------------------- borrowers
st.subheader(t("book.borrowers"))
table = result.book_table(language)
left, right = st.columns([2, 3], vertical_alignment="bottom")
needle = left.text_input(t("book.filter"), key=BOOK_FILTER, placeholder=t("book.filter_hint"))
shows = {"all": t("book.show.all"), "alerts": t("book.show.alerts"),
         "problems": t("book.show.problems")}  # fmt: skip
show = right.segmented_control(
    t("book.show_label"), list(shows), format_func=shows.get, key=BOOK_SHOW, default="all"
)
view = table
if needle:
    view = view[view["borrower"].str.contains(needle, case=False, regex=False)]
if show == "alerts":
    view = view[view["alerts"] != ""]
elif show == "problems":
    view = view[view["problems"] != ""]
money_columns = {"market_value", "eligible_value", "borrowing_base", "loan", "lender_expected_loss"}
config = {}
for name in BOOK_COLUMNS:
    title = t(f"book.col.{name}")
    if name in money_columns:
        config[name] = st.column_config.NumberColumn(f"{title} ({currency})", format=MONEY_FORMAT)
    elif name == "coverage":
        config[name] = st.column_config.NumberColumn(title, format="%.2f")
    elif name.startswith("p_"):
        config[name] = st.column_config.NumberColumn(title, format="percent")
    elif name == "borrower":
        config[name] = st.column_config.Column(title, pinned=True)
    else:
        config[name] = st.column_config.Column(title, width="large")
st.dataframe(view, hide_index=True, column_config=config, placeholder="–", key="book_table")
st.caption(t("book.borrowers_caption", shown=len(view), total=len(table)))

# ---------------------------------------------------------------------------- exposures
exposure = result.exposure_table()
if len(exposure):
    st.subheader(t("book.exposures"))
    left, right = st.columns(2)
    for where, by in ((left, "category"), (right, "warehouse")):
        part = exposure[exposure["by"] == by].copy()
        part["name"] = [label("category", n) if by == "category" else n for n in part["name"]]
        where.markdown(f"**{t(f'book.by_{by}')}**")
        where.altair_chart(
            charts.ranked_bars(
                part[["name", "loan_share"]],
                "name",
                "loan_share",
                t("book.loan_share_axis", currency=currency),
            ),
            width="stretch",
        )
    st.caption(t("book.exposures_caption"))

# ------------------------------------------------------------------------ one borrower
names = [n for n in result.borrowers if n in result.valued and n in (valued.inventories or {})]


def _open(name: str) -> None:
    path = valued.inventories[name]
    st.session_state[INVENTORY] = compute.as_upload(path.rsplit("/", 1)[-1], files[path])
    st.session_state[ASSUMPTIONS] = book.assumptions_doc(valued.assumptions[name])
    st.session_state[BORROWER] = name
    st.session_state[BOOK_OPENED] = name


if names:
    st.subheader(t("book.open_title"))
    st.markdown(t("book.open_intro"))
    if st.session_state.get(BOOK_PICK) not in names:
        st.session_state[BOOK_PICK] = names[0]
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    pick = left.selectbox(t("book.open_pick"), names, key=BOOK_PICK)
    right.button(t("book.open_button"), key=BOOK_OPEN, on_click=_open, args=(pick,), type="primary")
    opened = st.session_state.get(BOOK_OPENED)
    if opened in names:
        st.success(t("book.opened", borrower=plain(opened)))
        links = st.columns(3)
        links[0].page_link("app_pages/collateral.py", label=t("nav.collateral"),
                           icon=":material/account_balance:")  # fmt: skip
        links[1].page_link("app_pages/risk.py", label=t("nav.risk"),
                           icon=":material/trending_down:")  # fmt: skip
        links[2].page_link("app_pages/financing.py", label=t("nav.financing"),
                           icon=":material/payments:")  # fmt: skip

# ---------------------------------------------------------------------------- downloads
st.subheader(t("book.downloads"))
tables = {
    "book": table,
    "book_exposure": exposure,
    "book_loss": loss.reset_index(),
    "double_pledges": pledges,
}
cols = st.columns(2)
for i, (name, frame) in enumerate(tables.items()):
    cols[i % 2].download_button(
        t("book.download", file=f"{name}.csv"),
        data=safe_csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
st.caption(t("book.downloads_caption"))
