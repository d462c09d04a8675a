"""The decision.

The comparison of routes, the mix and the recommendation (docs/model.md sections 8, 8a,
8b).
"""
