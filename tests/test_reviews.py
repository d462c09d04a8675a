"""Sign-off of runs (finance.history.reviews): every rule, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from finance import evaluate, load_inventory, parse_assumptions
from finance.history import reviews
from finance.history.models import Review
from finance.history.reviews import REVIEW_COLUMNS, ReviewError, role_from_claims
from finance.history.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_inventory.csv"
BORROWER = {"roles": ["borrower"]}
ANALYST = {"roles": ["analyst"]}
APPROVER = {"groups": ["staff", "approver"]}


@pytest.fixture(scope="module")
def valued():
    """The sample inventory valued quickly: (result, assumptions, inventory bytes)."""
    assumptions = parse_assumptions({"scenarios": 200, "valuation_date": "2026-11-24"})
    data = SAMPLE.read_bytes()
    return evaluate(load_inventory(data, name=SAMPLE.name), assumptions), assumptions, data


@pytest.fixture
def store(database_url):
    with open_store(database_url) as opened:
        yield opened


def _record(store: Store, valued, user: str = "rob") -> int:
    result, assumptions, data = valued
    return store.record_run(
        result, assumptions, data, borrower="Acme", user=user, inventory_name=SAMPLE.name
    )


def _fails(code: str, call, *args, **kwargs) -> ReviewError:
    with pytest.raises(ReviewError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def test_a_role_comes_from_the_claims():
    assert role_from_claims({"roles": ["borrower"]}) == "borrower"
    assert role_from_claims({"roles": "Analyst"}) == "analyst"
    assert role_from_claims({"groups": ["staff", "approver"]}) == "approver"
    assert role_from_claims({"groups": "staff approver"}) == "approver"
    # "roles" before "groups"; the first role named; names that are not roles ignored.
    assert role_from_claims({"roles": ["x", "analyst"], "groups": ["approver"]}) == "analyst"
    assert role_from_claims({"roles": ["admin"], "groups": []}) is None
    assert role_from_claims({"email": "a@example.com"}) is None
    assert role_from_claims(None) is None


def test_claims_first_then_the_table_then_none(store):
    assert store.role_of("ann") is None
    reviews.set_role(store, "ann", "analyst")
    assert store.role_of("ann") == "analyst"
    assert store.role_of("ann", {"roles": ["approver"]}) == "approver"
    assert store.role_of("ann", {"roles": ["admin"]}) == "analyst"
    reviews.set_role(store, "ann", "approver")  # replaced, not added
    assert reviews.roles(store).to_dict("records") == [{"user": "ann", "role": "approver"}]
    reviews.set_role(store, "ann", None)
    assert store.role_of("ann") is None and reviews.roles(store).empty
    error = _fails("unknown_role", reviews.set_role, store, "ann", "admin")
    assert "admin" in str(error)


def test_a_run_goes_from_borrower_to_analyst_to_approver(store, valued):
    run = _record(store, valued, user="alice")
    before = dt.datetime.now(dt.UTC)
    store.submit(run, "alice", claims=BORROWER)
    store.review(run, "ann", "stock counts agree", claims=ANALYST)
    store.approve(run, "bob", claims=APPROVER)
    steps = store.reviews(run)
    assert list(steps.columns) == list(REVIEW_COLUMNS)
    assert steps[["action", "user", "role", "comment"]].values.tolist() == [
        ["submitted", "alice", "borrower", ""],
        ["reviewed", "ann", "analyst", "stock counts agree"],
        ["approved", "bob", "approver", ""],
    ]
    assert (steps["run_id"] == run).all()
    for at in steps["at"]:
        assert at.utcoffset() == dt.timedelta(0)
        assert before - dt.timedelta(seconds=5) <= at <= dt.datetime.now(dt.UTC)
    assert reviews.status(store, run) == "approved"
    assert len(store.reviews()) == 3


def test_roles_from_the_table(store, valued):
    run = _record(store, valued)
    reviews.set_role(store, "alice", "borrower")
    reviews.set_role(store, "bob", "approver")
    store.submit(run, "alice")
    store.approve(run, "bob")  # no review needed: submitted is enough
    assert store.reviews(run)["role"].tolist() == ["borrower", "approver"]


def test_each_step_needs_its_role(store, valued):
    run = _record(store, valued)
    _fails("no_role", store.submit, run, "ann", claims=ANALYST)
    _fails("no_role", store.submit, run, "bob", claims=APPROVER)
    store.submit(run, "alice", claims=BORROWER)
    _fails("no_role", store.review, run, "bob", "x", claims=APPROVER)
    _fails("no_role", store.review, run, "carl", "x", claims=BORROWER)
    _fails("no_role", store.approve, run, "ann", claims=ANALYST)
    _fails("no_role", store.approve, run, "carl", claims=BORROWER)
    _fails("no_role", store.reject, run, "carl", "x", claims=BORROWER)
    # A signed-in user without a role is refused even when no roles are configured.
    _fails("no_role", store.approve, run, "dan", claims={"email": "dan@example.com"})
    # Once one role is in the table, a user without one is refused too.
    reviews.set_role(store, "ann", "analyst")
    _fails("no_role", store.approve, run, "dan")
    assert store.reviews(run)["action"].tolist() == ["submitted"]


def test_open_mode_when_no_roles_are_configured(store, valued):
    run = _record(store, valued, user="rob")
    store.submit(run, "alice")
    store.review(run, "ann", "fine")
    store.approve(run, "bob")
    assert store.reviews(run)["role"].isna().all()
    # The maker-checker rules hold in open mode too.
    other = _record(store, valued, user="rob")
    store.submit(other, "alice")
    _fails("own_submission", store.approve, other, "alice")
    _fails("own_run", store.approve, other, "rob")


def test_maker_checker(store, valued):
    run = _record(store, valued, user="rob")
    store.submit(run, "alice", claims=BORROWER)
    # The submitter, whatever role the provider gives them now, does not check their own.
    error = _fails("own_submission", store.approve, run, "alice", claims=APPROVER)
    assert "maker-checker" in str(error) and "双人复核" in error.message("zh")
    _fails("own_submission", store.review, run, "alice", "x", claims=ANALYST)
    _fails("own_submission", store.reject, run, "alice", "x", claims=APPROVER)
    # Whoever recorded the run does not approve it either (but may review it).
    _fails("own_run", store.approve, run, "rob", claims=APPROVER)
    store.review(run, "rob", "figures checked", claims=ANALYST)
    store.approve(run, "bob", claims=APPROVER)


def test_the_order_of_steps(store, valued):
    run = _record(store, valued)
    _fails("not_submitted", store.approve, run, "bob", claims=APPROVER)
    _fails("not_submitted", store.review, run, "ann", "x", claims=ANALYST)
    _fails("not_submitted", store.reject, run, "ann", "x", claims=ANALYST)
    store.submit(run, "alice", claims=BORROWER)
    _fails("already_submitted", store.submit, run, "alice", claims=BORROWER)
    store.reject(run, "ann", "stock count missing", claims=ANALYST)
    error = _fails("not_submitted", store.approve, run, "bob", claims=APPROVER)
    assert "须先提交" in error.message("zh")
    store.submit(run, "alice", comment="count attached", claims=BORROWER)
    store.approve(run, "bob", claims=APPROVER)
    _fails("already_approved", store.approve, run, "bea", claims=APPROVER)
    _fails("already_approved", store.reject, run, "bea", "x", claims=APPROVER)
    _fails("already_approved", store.submit, run, "alice", claims=BORROWER)
    assert store.reviews(run)["action"].tolist() == [
        "submitted", "rejected", "submitted", "approved",
    ]  # fmt: skip
    _fails("no_run", store.submit, run + 100, "alice", claims=BORROWER)
    with pytest.raises(ValueError, match="user"):
        store.submit(run, " ", claims=BORROWER)


def test_one_approval_at_most_in_the_table(store, valued):
    run = _record(store, valued)
    store.submit(run, "alice", claims=BORROWER)
    store.approve(run, "bob", claims=APPROVER)
    row = {"run_id": run, "action": "approved", "user_name": "bea", "role": "approver",
           "at": dt.datetime.now(dt.UTC), "comment": ""}  # fmt: skip
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(Review.__table__).values(**row))


def test_two_approvers_at_once_give_one_approval(database_url, valued):
    with open_store(database_url) as store:
        run = _record(store, valued)
        store.submit(run, "alice", claims=BORROWER)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(user: str) -> None:
        # Each thread its own store (its own connections), as two app sessions would be.
        with open_store(database_url) as mine:
            barrier.wait()
            try:
                outcomes[user] = mine.approve(run, user, claims=APPROVER)
            except ReviewError as exc:
                outcomes[user] = exc

    threads = [threading.Thread(target=approve, args=(u,)) for u in ("bob", "bea")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    errors = [o for o in outcomes.values() if isinstance(o, ReviewError)]
    assert len(outcomes) == 2 and len(errors) == 1, outcomes
    assert errors[0].code == "already_approved"
    with open_store(database_url) as store:
        steps = store.reviews(run)
    assert steps["action"].tolist() == ["submitted", "approved"]
    assert steps["user"].iloc[-1] in ("bob", "bea")


def test_the_runs_awaiting_a_decision(store, valued):
    assert reviews.pending(store).empty
    first, second, third = (_record(store, valued, user="rob") for _ in range(3))
    store.submit(first, "alice", claims=BORROWER)
    store.submit(second, "alice", claims=BORROWER)
    store.review(second, "ann", "ok", claims=ANALYST)
    store.submit(third, "amy", claims=BORROWER)
    store.approve(third, "bob", claims=APPROVER)
    waiting = reviews.pending(store)
    assert waiting[["run_id", "status", "submitted_by", "recorded_by"]].values.tolist() == [
        [first, "submitted", "alice", "rob"],
        [second, "reviewed", "alice", "rob"],
    ]
