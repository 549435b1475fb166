"""Signing in and out, and the employee's language setting."""
