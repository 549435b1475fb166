"""An employee's own account: password change and personal API tokens."""
