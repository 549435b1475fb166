"""Supervisors' pages: the escalation queue, replies needing a hand, ingestion and coverage."""
