"""End-to-end tests: the Streamlit app in headless Chromium.

A package so that ``tests/e2e/conftest.py`` is imported as ``e2e.conftest``: as a bare
``conftest`` it would replace ``tests/conftest.py`` in ``sys.modules``, and the unit tests'
``from conftest import T0, ...`` would then fail.
"""
