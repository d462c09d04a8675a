"""The routes to cash.

Each route owns its glue and its row on the one ledger (docs/model.md sections 7, 7a).
"""
