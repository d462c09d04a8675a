"""The server's safe settings: .streamlit/config.toml, bounded caches, the proxy's headers.

Read by inspection (the file, the source's decorators, the deployment page), not by
starting a server: Streamlit has no option for security headers, so those are checked in
the nginx configuration docs/deploy.md documents.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest
from streamlit import config

from ui import compute

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".streamlit" / "config.toml"
DEPLOY = ROOT / "docs" / "deploy.md"
APP_SOURCES = [ROOT / "app.py", *(ROOT / "ui").glob("*.py"), *(ROOT / "app_pages").glob("*.py")]


def settings() -> dict[str, object]:
    """config.toml flattened to Streamlit's option names (``server.enableCORS``)."""
    with CONFIG.open("rb") as handle:
        document = tomllib.load(handle)
    return {f"{section}.{key}": value for section, table in document.items()
            for key, value in table.items()}  # fmt: skip


def test_every_setting_is_a_streamlit_option():
    # A misspelt option is only a warning at start-up, and the setting silently absent.
    known = config.get_config_options()
    assert sorted(set(settings()) - set(known)) == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("server.address", "localhost"),
        ("server.enableXsrfProtection", True),
        ("server.enableCORS", True),
        ("server.maxUploadSize", compute.MAX_UPLOAD_MB),
        ("client.showErrorDetails", "type"),
        ("browser.gatherUsageStats", False),
        ("server.runOnSave", False),
    ],
)
def test_safe_settings(option, value):
    assert settings()[option] == value


def test_cached_data_is_bounded_in_bytes():
    budget = settings()["server.maxCacheDataSize"]
    assert re.fullmatch(r"[1-9][0-9]*(mb|gb)", str(budget)), budget


def cache_decorators() -> list[tuple[str, ast.Call]]:
    """Every ``st.cache_data(...)``/``st.cache_resource(...)`` decorator of the app's code."""
    found = []
    for path in APP_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Attribute) and target.attr.startswith("cache_"):
                    found.append((f"{path.name}:{node.name}", decorator))
    return found


def test_the_app_has_cached_functions():
    assert len(cache_decorators()) >= 7


@pytest.mark.parametrize(("where", "decorator"), cache_decorators())
def test_every_cache_has_a_ttl_and_a_bound(where, decorator):
    # A bare @st.cache_data keeps every entry for ever: a server running for weeks grows.
    assert isinstance(decorator, ast.Call), where
    keywords = {k.arg: k.value for k in decorator.keywords}
    assert {"ttl", "max_entries"} <= set(keywords), where
    entries = keywords["max_entries"]
    assert isinstance(entries, ast.Constant) and 1 <= entries.value <= 64, where
    ttl = keywords["ttl"]
    assert isinstance(ttl, ast.Name) and ttl.id == "CACHE_TTL", where


def test_cache_ttl_is_an_hour():
    ttl = compute.CACHE_TTL
    assert ttl == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "header",
    [
        'add_header X-Frame-Options "SAMEORIGIN" always;',
        "add_header Content-Security-Policy \"frame-ancestors 'self'\" always;",
        'add_header X-Content-Type-Options "nosniff" always;',
        'add_header Referrer-Policy "same-origin" always;',
    ],
)
def test_the_proxy_configuration_sets_the_security_headers(header):
    text = DEPLOY.read_text(encoding="utf-8")
    nginx = re.search(r"```nginx\n(.*?)```", text, flags=re.S)
    assert nginx, "docs/deploy.md has an nginx block"
    assert header in nginx.group(1)
    # In the server block, not in the location (whose own add_header would drop them).
    location = nginx.group(1).index("location / {")
    assert nginx.group(1).index(header) < location
