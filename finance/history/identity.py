"""Who is acting: the operating system's user and the role an identity provider's claims name.

Light on purpose (the standard library only): the app reads both on every page, before it
needs the run database (:mod:`finance.history.store`) or its sign-off rules
(:mod:`finance.history.reviews`), which import SQLAlchemy.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping
from typing import Any

#: The roles of the sign-off (docs/model.md section 10): who may take which step.
ROLES: tuple[str, ...] = ("borrower", "analyst", "approver")
#: The claims :func:`role_from_claims` reads, in order.
ROLE_CLAIMS: tuple[str, ...] = ("roles", "groups")


def default_user() -> str:
    """The operating system's user name (``unknown`` when it cannot be told)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER in a container
        return "unknown"


def _role_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(",", " ").split()]
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        return [str(v).strip() for v in value]
    return []


def role_from_claims(claims: Mapping[str, Any] | None) -> str | None:
    """The role the claims name: the first role in ``roles``, else in ``groups``; or None."""
    for claim in ROLE_CLAIMS:
        for name in _role_names((claims or {}).get(claim)):
            if name.lower() in ROLES:
                return name.lower()
    return None
