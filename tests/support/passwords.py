"""argon2's cheapest profile for the suite: production's costs ~0.5 s a hash on a busy CI core."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles

from helpdesk.services import employees

# The hasher the application builds, kept before the suite swaps it: test_passwords pins it.
PRODUCTION_HASHER: PasswordHasher = employees._hasher
CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


def use_cheap_hashing() -> None:
    """Hash and verify with argon2id's cheapest parameters in this process (tests only)."""
    employees._hasher = CHEAP_HASHER
    employees._dummy_hash.cache_clear()  # made again, cheaply, on first use
