"""Translations: English and Simplified Chinese catalogs in ``ui/locales/*.toml``.

Each browser session has its own language in session state, so ``t`` never touches
process-wide state (no ``gettext.install``: every session shares the process).
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

import streamlit as st

from ui.state import LANG

LOCALES = Path(__file__).parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, f"{name}.")
        else:
            flat[name] = str(value)
    return flat


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """All messages of one language, keyed ``section.name``."""
    with (LOCALES / f"{lang}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def language_of(locale: str | None) -> str:
    """The UI language for a browser locale such as ``zh-CN`` or ``en-US``."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT


def lang() -> str:
    """The session's language."""
    return st.session_state.get(LANG, DEFAULT)


def t(key: str, **values: Any) -> str:
    """The message ``key`` in the session's language, with ``values`` filled in.

    Falls back to English, then to the key itself (a test keeps the catalogs complete).
    """
    text = catalog(lang()).get(key) or catalog(DEFAULT).get(key) or key
    return text.format(**values) if values else text


#: Session key of the Chinese names of the session's categories (user-added ones included).
CATEGORY_NAMES = "category_names_zh"


def label(group: str, name: str) -> str:
    """The display name of a code such as an option or a column, else the code itself.

    A category the catalogs do not know (one the user added) shows its own Chinese name
    in Chinese, from the session's assumptions.
    """
    found = catalog(lang()).get(f"{group}.{name}")
    if found is None and group == "category" and lang() == "zh":
        found = st.session_state.get(CATEGORY_NAMES, {}).get(name) or None
    return found or catalog(DEFAULT).get(f"{group}.{name}") or name


def maybe(key: str) -> str | None:
    """The message ``key`` if the catalogs have it, else None (for optional help texts)."""
    return catalog(lang()).get(key) or catalog(DEFAULT).get(key)
