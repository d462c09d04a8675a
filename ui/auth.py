"""Who is using the app: sign-in through any OIDC provider when ``[auth]`` is configured.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` (Streamlit's ``st.login``
settings: ``redirect_uri``, ``cookie_secret``, ``client_id``, ``client_secret``,
``server_metadata_url``), :func:`require_sign_in` shows a small landing view with a sign-in
button and stops the page until the user has signed in; :func:`sidebar_user` shows who is
signed in, in which role, and a sign-out button. Without it the app stays open (one user on
localhost) and the user is the operating system's.

The user recorded on runs and reviews is :func:`current_user` (the ``email`` claim, else
``preferred_username``, else ``sub``); their role is :func:`current_role` (the provider's
``roles`` or ``groups`` claim, else the ``roles`` table of the app's run database,
:func:`ui.history.store`; see :mod:`finance.history.reviews`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from finance.history.identity import default_user, role_from_claims
from ui.i18n import t

#: The claims that name the user, in order of preference.
USER_CLAIMS: tuple[str, ...] = ("email", "preferred_username", "sub")


def auth_configured() -> bool:
    """True when ``st.secrets`` has an ``[auth]`` section (then sign-in is required)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all, or one that does not parse
        return False


def signed_in() -> bool:
    """True when a user has signed in through the identity provider."""
    return auth_configured() and bool(st.user.get("is_logged_in"))


def claims() -> dict[str, Any] | None:
    """The signed-in user's claims (from their ID token), or None without sign-in."""
    if not signed_in():
        return None
    return {k: v for k, v in st.user.to_dict().items() if k not in ("tokens",)}


def current_user() -> str | None:
    """Who is using the app: the signed-in user, else the OS user (None: not signed in)."""
    if not auth_configured():
        return default_user()
    found = claims()
    if found is None:
        return None
    for name in USER_CLAIMS:
        if found.get(name):
            return str(found[name])
    return None


def display_name() -> str | None:
    """The user's name as shown: the ``name`` claim, else :func:`current_user`."""
    found = claims() or {}
    return str(found.get("name") or "") or current_user()


def current_role(store: Any = None) -> str | None:
    """The user's role: the provider's claims, else the ``roles`` table, else None.

    Parameters
    ----------
    store : finance.history.store.Store, optional
        The run database to read the ``roles`` table from; by default the app's
        (:func:`ui.history.store`; one that cannot be opened: no role).
    """
    user = current_user()
    if user is None:
        return None
    found = claims()
    role = role_from_claims(found)
    if role is not None:
        return role
    from ui import history  # imports this module

    if store is None and not signed_in() and not history.db_configured():
        # The open app on localhost with no team database: nobody has a role, and no
        # database is opened (or created) to say so.
        return None
    from sqlalchemy.exc import SQLAlchemyError

    from finance.history.store import StoreError

    try:
        return (store or history.store()).role_of(user, found)
    except (StoreError, SQLAlchemyError):  # shown where the database is used, not here
        return None


def require_sign_in() -> None:
    """With ``[auth]`` configured and nobody signed in: the landing view, then stop."""
    if not auth_configured() or signed_in():
        return
    st.title(t("auth.title"))
    st.write(t("auth.why"))
    if st.button(t("auth.sign_in"), type="primary", icon=":material/login:"):
        st.login()
    st.stop()


def sidebar_user() -> None:
    """The sidebar's user line (name and role) and, when signed in, a sign-out button."""
    if auth_configured() and not signed_in():
        return
    role = current_role()
    shown = t(f"role.{role}") if role else t("role.none")
    st.caption(t("auth.user", name=display_name() or "?", role=shown))
    if signed_in() and st.button(t("auth.sign_out"), icon=":material/logout:"):
        st.logout()
