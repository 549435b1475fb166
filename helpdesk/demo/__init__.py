"""`helpdesk demo`: the process supervisor, its process helpers and the demo's seed data."""
