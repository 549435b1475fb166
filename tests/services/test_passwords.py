"""Password rules: at least 12 characters, not common, not the employee's own number or name."""

from __future__ import annotations

import pytest

from helpdesk.services.employees import MIN_PASSWORD_LENGTH, validate_password
from helpdesk.services.errors import InvalidInput

COMMON = [
    "password1234",  # common word + digits
    "qwertyuiop123",  # keyboard walk
    "123456789012",  # digits
    "iloveyou1234",
    "aaaaaaaaaaaa",  # repetition
    "Password1234!",  # "complex", still guessed first
    "helpdesk2026!",  # the helpdesk's own word and a year
    "twelpforce123",
]


@pytest.mark.parametrize("password", COMMON)
def test_common_and_easily_guessed_passwords_are_refused(password):
    """Each of these is 12+ characters and still refused as too easy to guess."""
    assert len(password) >= MIN_PASSWORD_LENGTH
    with pytest.raises(InvalidInput) as refused:
        validate_password(password)
    assert refused.value.code == "common_password"


def test_a_password_close_to_the_employees_number_and_name_is_refused():
    """Sato Hanako, 0427: her name and number make a weak password for her, not for others."""
    password = "hanakosato0427"
    with pytest.raises(InvalidInput) as refused:
        validate_password(password, context=("0427", "Sato Hanako", "hanakosato"))
    assert refused.value.code == "common_password"


@pytest.mark.parametrize(
    "password", ["correct horse battery", "ねこがすきなしゃちょうさん", "tram-lantern-87-quiet"]
)
def test_long_passphrases_of_ones_own_pass_in_any_script(password):
    """No composition rules: long phrases pass, Japanese ones too."""
    assert validate_password(password) == password


def test_512_characters_are_allowed():
    """A password manager's long random password is accepted whole (zxcvbn rates its start)."""
    import secrets

    password = secrets.token_urlsafe(384)[:512]
    assert validate_password(password) == password


def test_too_short_and_too_long_are_refused_with_their_own_codes():
    """11 characters is weak_password; 513 is invalid_password."""
    with pytest.raises(InvalidInput) as short:
        validate_password("Zq8#mK2$vL9")
    assert short.value.code == "weak_password"
    with pytest.raises(InvalidInput) as long:
        validate_password("Zq8#mK2$vL9!" * 43)
    assert long.value.code == "invalid_password"


def test_production_hashes_with_argon2id_rfc_9106_low_memory_parameters():
    """The app hashes passwords with argon2id at RFC 9106's low-memory profile (the suite
    itself uses the cheapest profile, tests/support/passwords.py)."""
    from argon2 import Type, profiles

    from tests.support.passwords import CHEAP_HASHER, PRODUCTION_HASHER

    production = profiles.RFC_9106_LOW_MEMORY
    assert PRODUCTION_HASHER.type is Type.ID
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost) == (3, 65536)
    assert (PRODUCTION_HASHER.parallelism, PRODUCTION_HASHER.hash_len) == (4, 32)
    assert PRODUCTION_HASHER.salt_len == production.salt_len == 16
    # a hash made at test cost is upgraded at the next sign-in in production
    assert PRODUCTION_HASHER.check_needs_rehash(CHEAP_HASHER.hash("correct horse battery"))
