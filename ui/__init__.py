"""The Streamlit layer: session state, translations, formatting and cached calls into finance.

The only package besides ``app_pages`` that imports Streamlit. It holds no finance: every
figure comes from :mod:`finance`; this layer only keeps state, caches and formats.
"""
