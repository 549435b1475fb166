"""The JSON API (/api/v1): bearer tokens, JSON errors, the contract in DESIGN.md."""
