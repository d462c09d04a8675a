"""Words in the user's language: the core's catalogs (``en.toml``, ``zh.toml``) and texts.

The core writes its messages, notes and the recommendation in English as it always did, but
each is a :class:`Text`: a ``str`` (so every caller that treats it as one keeps working) that
also carries what it says as a code and parameters. :func:`render` turns it into another
language from the catalog of that language; a text without a code, or a code the catalog
lacks, stays English. No Streamlit here: the app, the command line and the exports all call
:func:`render`, :func:`t` and :func:`label`.
"""

from __future__ import annotations

import functools
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT = "en"
_HERE = Path(__file__).parent

#: Parameters whose values are codes shown by their label: parameter -> label group.
LABELLED: Mapping[str, str] = {
    "option": "option",
    "runner_up": "option",
    "route": "option",
    "max_cash_option": "option",
    "category": "category",
    "channel": "channel",
    "limit_key": "limit",
}
#: English joints and what each language writes instead.
_SEPARATORS: Mapping[str, Mapping[str, str]] = {
    "zh": {"; ": "；", ", ": "，", " and ": "且", " ": "", "": ""},
}


class Text(str):
    """English text that also carries what it says, to be rendered in another language.

    Either a leaf (a catalog ``code`` and its ``params``) or a join of texts with an
    English separator (``sep``, ``children``). A plain ``str`` child stays English.

    Parameters
    ----------
    english : str
        The English text, as the core always wrote it.
    code : str, optional
        Catalog key of the message (``notes.hold``, ``problem.not_number``...).
    **params
        The values the message names; a value that is itself a :class:`Text` is rendered
        in the same language.
    """

    code: str
    params: dict[str, Any]
    sep: str
    children: tuple[str, ...]

    def __new__(cls, english: str = "", code: str = "", /, **params: Any) -> Text:  # noqa: D102
        obj = super().__new__(cls, english)
        obj.code = code
        obj.params = params
        obj.sep = ""
        obj.children = ()
        return obj

    @classmethod
    def join(cls, sep: str, items: Iterable[str]) -> Text:
        """Join texts with an English separator, keeping each one's parts."""
        children = tuple(items)
        obj = cls(sep.join(children))
        obj.sep = sep
        obj.children = children
        return obj

    def __add__(self, other: str) -> Text:  # type: ignore[override]
        return Text.join("", (self, other))

    def __radd__(self, other: str) -> Text:
        return Text.join("", (other, self))

    def fill(self, placeholder: str, cell: object, /, **params: Any) -> Text:
        """A copy with ``placeholder`` replaced by ``repr(cell)`` and ``params`` added."""
        obj = Text(str(self).replace(placeholder, repr(cell)), self.code, **self.params)
        obj.params.update(params)
        return obj


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """All messages of one language (``en`` or ``zh``), keyed ``section.name``."""
    path = _HERE / f"{lang if lang in LANGUAGES else DEFAULT}.toml"
    with path.open("rb") as handle:
        return _flatten(tomllib.load(handle))


def check_lang(lang: str | None) -> str:
    """Return ``lang`` if it is a known language; None gives :func:`default_lang`.

    Raises
    ------
    ValueError
        For a language the core has no catalog of.
    """
    if lang is None:
        return default_lang()
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    return lang


def language_of(locale: str | None) -> str:
    """The language of a locale such as ``zh_CN.UTF-8``, ``zh-CN`` or ``en_US``."""
    return "zh" if (locale or "").strip().lower().startswith("zh") else DEFAULT


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """Chinese when the environment's language (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) is."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return language_of(env[name])
    return DEFAULT


def t(key: str, lang: str = DEFAULT, /, **values: Any) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in (English, then the key)."""
    text = catalog(lang).get(key) or catalog(DEFAULT).get(key) or key
    return text.format(**values) if values else text


def label(
    group: str, name: str, lang: str = DEFAULT, names: Mapping[str, str] | None = None
) -> str:
    """The display name of a code (an option, a category, a column...) in ``lang``.

    ``names`` gives labels the catalogs lack (a user's own categories' Chinese names).
    """
    if lang != DEFAULT and names and name in names and names[name]:
        return names[name]
    return catalog(lang).get(f"{group}.{name}") or catalog(DEFAULT).get(f"{group}.{name}") or name


def _value(name: str, value: Any, lang: str, names: Mapping[str, str] | None) -> Any:
    if isinstance(value, Text):
        return render(value, lang, names)
    if name in LABELLED and isinstance(value, str):
        return label(LABELLED[name], value, lang, names if LABELLED[name] == "category" else None)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return "、".join(value) if lang == "zh" else ", ".join(value)
    return value


def render(
    text: str, lang: str = DEFAULT, names: Mapping[str, str] | None = None, *, force: bool = False
) -> str:
    """``text`` in ``lang``: English as it is; else from the catalog where it has a code.

    Parameters
    ----------
    text : str or Text
    lang : str
        ``en`` or ``zh``.
    names : mapping of str to str, optional
        Category key -> the label to show (a user's own Chinese names).
    force : bool
        Use the catalog in English too (for wordings English has only there).
    """
    if (lang == DEFAULT and not force) or not isinstance(text, Text):
        return str(text)
    if text.children:
        sep = _SEPARATORS.get(lang, {}).get(text.sep, text.sep)
        return sep.join(render(child, lang, names, force=force) for child in text.children)
    template = catalog(lang).get(text.code) if text.code else None
    if template is None:
        return str(text)
    values = {k: _value(k, v, lang, names) for k, v in text.params.items()}
    try:
        return template.format(**values)
    except (KeyError, ValueError, IndexError):
        return str(text)


#: A piece a line may break after: a Latin word or number, or one CJK character, each with
#: the punctuation that must not start a line; or a run of spaces.
_PIECE = re.compile(r"(?:[^\s\u2e80-\uffff]+|[\u2e80-\uffff])[，。；：、）”,.;:)]*|\s+")


def wrap(text: str, too_wide: Callable[[str], bool]) -> list[str]:
    """``text`` in lines, broken between words or CJK characters where ``too_wide`` says.

    ``too_wide(line)`` tells whether a line is wider than the room (in terminal columns,
    points on a page...); a piece wider than the room alone stays whole on its own line.
    """
    lines: list[str] = []
    line = ""
    for piece in _PIECE.findall(" ".join(str(text).split())):
        if line.strip() and not piece.isspace() and too_wide((line + piece).rstrip()):
            lines.append(line.rstrip())
            line = ""
        if line or not piece.isspace():
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a spreadsheet: a CJK character takes two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def percent(value: float, places: int = 0) -> str:
    """A fraction as a percentage the way a user types it: 0.4 -> ``40%``, 0.995 -> ``99.5%``."""
    if not isinstance(value, int | float) or not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e4:  # a typo such as 1e300 reads as 1e+302%, not 300 digits
        return f"{value * 100:.6g}%"
    text = f"{value * 100:.{max(places, 6)}f}".rstrip("0").rstrip(".")
    return f"{text}%"
