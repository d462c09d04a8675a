"""A file uploader whose own words (its button, its limits) read in the session's language.

Streamlit's uploader writes "Upload" and "50MB per file • CSV, XLSX" in English whatever the
app's language, and has no parameter for them. Its element carries the class
``st-key-<key>``, so a style sheet scoped to that one uploader can swap its words for the
catalog's: the text is shrunk to nothing and the translation drawn in its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from ui.i18n import DEFAULT, lang, t

# Streamlit's own sizes for the two texts (the button's label, the small instruction line).
_BUTTON_REM = 0.875
_NOTE_REM = 0.875


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (the catalogs' words hold no quote or backslash)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _style(key: str, button: str, note: str) -> str:
    scope = f".st-key-{key} [data-testid='stFileUploaderDropzone']"
    label = f"{scope} button [data-testid='stMarkdownContainer'] p"
    line = f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span"
    return (
        "<style>"
        f"{label}, {line} {{ font-size: 0; }}"
        f"{label}::after {{ content: {_css_string(button)}; font-size: {_BUTTON_REM}rem; }}"
        f"{line}::after {{ content: {_css_string(note)}; font-size: {_NOTE_REM}rem; }}"
        "</style>"
    )


def file_uploader(label: str, *, key: str, types: Sequence[str], max_mb: int, **kwargs: Any) -> Any:
    """``st.file_uploader`` with its button and limits line in the session's language.

    Parameters
    ----------
    label : str
        The widget's label (already translated).
    key : str
        Its session-state key; also scopes the style sheet to this uploader.
    types : sequence of str
        File extensions accepted, without the dot.
    max_mb : int
        Largest file, MB.
    **kwargs
        Passed on to ``st.file_uploader`` (``help``...).

    Returns
    -------
    UploadedFile or None
        What ``st.file_uploader`` returns.
    """
    if lang() != DEFAULT:
        shown = "、".join(kind.upper() for kind in types)
        note = t("uploader.limit", mb=max_mb, types=shown)
        st.html(_style(key, t("uploader.button"), note))
    return st.file_uploader(label, type=list(types), key=key, max_upload_size=max_mb, **kwargs)


def newly_uploaded(upload: Any, seen_key: str) -> bool:
    """Whether ``upload`` is a file the session has not taken yet; remembers it if so.

    The uploader forgets its file when the user visits another page, and reruns hand the
    same file back on every interaction: the session takes each file once, by its id.
    """
    if upload is None or st.session_state.get(seen_key) == upload.file_id:
        return False
    st.session_state[seen_key] = upload.file_id
    return True
