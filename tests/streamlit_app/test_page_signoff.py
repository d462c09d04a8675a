"""The History page's sign-off: who did what to each run, and the steps the user's role allows.

The user of an AppTest is the operating system's (no ``[auth]``): its role comes from the
run database's ``roles`` table (none at all: the open app, where every step is offered).
The rules are :mod:`finance.history.reviews`'; these tests check that the page offers the
right buttons, records the steps, shows who took them, and says why one is refused, in the
session's language.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from finance import parse_assumptions
from finance.history import reviews
from finance.history.identity import default_user
from finance.history.reviews import ReviewError
from finance.history.store import open_store
from streamlit_app.support import DOC, SAMPLE
from ui.i18n import catalog
from ui.state import SIGNOFF_COMMENT, SIGNOFF_RUN

EN, ZH = catalog("en"), catalog("zh")
ME = default_user()


def _run(url: str, sample_result, *, recorded_by: str = "rob", roles: dict | None = None) -> int:
    """A run of the sample for Acme in the database, with the users' roles set."""
    with open_store(url) as store:
        for user, role in (roles or {}).items():
            reviews.set_role(store, user, role)
        return store.record_run(
            sample_result, parse_assumptions(DOC), SAMPLE.read_bytes(), borrower="Acme",
            user=recorded_by, inventory_name=SAMPLE.name,
        )  # fmt: skip


def _buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.main.button]


def _steps(at: AppTest) -> list[list[str]]:
    """The sign-off table of the run picked: step, who, role (in the session's words)."""
    return at.table[0].value.iloc[:, :3].values.tolist()


def _status(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["status"])


def test_the_open_app_offers_every_step_and_keeps_the_order(open_page, run_database, sample_result):
    run = _run(run_database, sample_result)
    at = open_page("history")
    assert at.selectbox(key=SIGNOFF_RUN).value == run
    assert at.info[0].value == EN["history.signoff_none"].format(id=run)
    assert _buttons(at) == [EN[f"signoff.{b}"] for b in ("submit", "review", "approve", "reject")]
    assert _status(at) == [""]

    at.button(key="signoff_submitted").click().run()
    assert not at.exception and not at.error
    done = EN["signoff.done"].format(action=EN["signoff.submitted"], id=run)
    assert at.success[0].value == done
    assert _steps(at) == [[EN["signoff.submitted"], ME, ""]]
    assert _status(at) == [EN["signoff.step"].format(action=EN["signoff.submitted"], user=ME)]

    # Maker-checker holds in the open app too: the submitter does not approve.
    at.button(key="signoff_approved").click().run()
    assert [e.value for e in at.error] == [
        ReviewError("own_submission", user=ME, run=run).message()
    ]
    with open_store(run_database) as store:
        assert store.reviews(run)["action"].tolist() == ["submitted"]


def test_a_borrower_submits_and_an_approver_approves(
    open_page, run_database, sample_result, monkeypatch
):
    run = _run(run_database, sample_result, roles={ME: "borrower", "bob": "approver"})
    at = open_page("history")
    assert _buttons(at) == [EN["signoff.submit"]]
    at.button(key="signoff_submitted").click().run()
    assert not at.error

    with open_store(run_database) as store:
        reviews.set_role(store, ME, "approver")
        reviews.set_role(store, "alice", "borrower")
        # Another borrower's run, submitted by her, recorded by rob.
        other = _run(run_database, sample_result)
        store.submit(other, "alice")
    at = open_page("history")
    assert at.selectbox(key=SIGNOFF_RUN).value == other
    assert _buttons(at) == [EN["signoff.approve"], EN["signoff.reject"]]
    assert EN["signoff.title"] in [e.label for e in at.sidebar.expander]
    at.button(key="signoff_approved").click().run()
    assert not at.exception and not at.error
    assert _steps(at) == [
        [EN["signoff.submitted"], "alice", EN["role.borrower"]],
        [EN["signoff.approved"], ME, EN["role.approver"]],
    ]
    assert _status(at) == [
        EN["signoff.step"].format(action=EN["signoff.submitted"], user=ME),
        EN["signoff.step"].format(action=EN["signoff.approved"], user=ME),
    ]
    # The approver's own submission (run 1): refused, and said why.
    at.selectbox(key=SIGNOFF_RUN).set_value(run).run()
    at.button(key="signoff_approved").click().run()
    assert [e.value for e in at.error] == [
        ReviewError("own_submission", user=ME, run=run).message()
    ]


def test_an_analyst_reviews_with_a_comment_and_rejects(open_page, run_database, sample_result):
    run = _run(run_database, sample_result, roles={ME: "analyst", "alice": "borrower"})
    with open_store(run_database) as store:
        store.submit(run, "alice")
    at = open_page("history")
    assert _buttons(at) == [EN["signoff.review"], EN["signoff.reject"]]
    at.text_input(key=SIGNOFF_COMMENT).input("Stock counts checked").run()
    at.button(key="signoff_reviewed").click().run()
    assert not at.error
    assert at.table[0].value.iloc[-1].tolist()[-1] == "Stock counts checked"
    assert at.text_input(key=SIGNOFF_COMMENT).value == ""  # cleared once recorded
    at.button(key="signoff_rejected").click().run()
    assert [r[:2] for r in _steps(at)] == [
        [EN["signoff.submitted"], "alice"],
        [EN["signoff.reviewed"], ME],
        [EN["signoff.rejected"], ME],
    ]


def test_a_user_without_a_role_gets_no_button(open_page, run_database, sample_result):
    _run(run_database, sample_result, roles={"alice": "borrower"})
    at = open_page("history")
    assert _buttons(at) == []
    assert EN["history.signoff_no_step"].format(role=EN["role.none"]) in [
        c.value for c in at.caption
    ]


def test_the_sign_off_in_chinese_refuses_in_chinese(open_page, run_database, sample_result):
    # The approver saved the run: he may not approve it (maker-checker).
    run = _run(
        run_database, sample_result, recorded_by=ME, roles={ME: "approver", "alice": "borrower"}
    )
    with open_store(run_database) as store:
        store.submit(run, "alice")
    at = open_page("history", lang="zh")
    assert _buttons(at) == [ZH["signoff.approve"], ZH["signoff.reject"]]
    assert _steps(at) == [[ZH["signoff.submitted"], "alice", ZH["role.borrower"]]]
    assert _status(at) == [ZH["signoff.step"].format(action=ZH["signoff.submitted"], user="alice")]
    at.button(key="signoff_approved").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [ReviewError("own_run", user=ME, run=run).message("zh")]
    assert "双人复核" in at.error[0].value
    with open_store(run_database) as store:
        assert store.reviews(run)["action"].tolist() == ["submitted"]


def test_the_sidebar_lists_the_runs_awaiting_a_decision(open_page, run_database, sample_result):
    run = _run(run_database, sample_result, roles={ME: "approver", "alice": "borrower"})
    with open_store(run_database) as store:
        store.submit(run, "alice")
    at = open_page("inventory")
    label = EN["signoff.run"].format(id=run, borrower="Acme", date=DOC["valuation_date"])
    [button] = [b for b in at.sidebar.button if b.label == label]
    button.click().run()
    assert not at.exception
    assert at.title[0].value == EN["history.title"]
    assert at.selectbox(key=SIGNOFF_RUN).value == run
