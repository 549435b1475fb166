"""Employees: create, authenticate, API tokens; roles, suspension and resets by authority."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from helpdesk.extensions import db
from helpdesk.models import ApiToken, Employee, Role
from helpdesk.models.employees import EMPLOYEE_NUMBER_PATTERN, LANGUAGES
from helpdesk.models.types import utcnow
from helpdesk.services import audit
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from helpdesk.services.guidelines import invisible_characters

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 512
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable" against online attacks
# Words a guesser tries first at a brand's helpdesk, beside the employee's number and name.
CONTEXT_WORDS = ("helpdesk", "twelpforce", "support", "brand", "twitter", "tweet")


def validate_number(number: str) -> str:
    """An employee number: 4 to 6 digits, e.g. 0427."""
    number = (number or "").strip()
    if not re.fullmatch(EMPLOYEE_NUMBER_PATTERN, number):
        raise InvalidInput("An employee number is 4 to 6 digits, e.g. 0427.", code="invalid_number")
    return number


def validate_password(password: str, *, context: tuple[str, ...] = ()) -> str:
    """A password of 12 to 512 characters that is not a common or easily guessed one.

    zxcvbn rates it against 30,000 common passwords, names, keyboard patterns and dates, and
    against `context` (the employee's number and name) and the helpdesk's own words; no
    composition rules (ASVS 6.2).
    """
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", code="weak_password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password can be at most {MAX_PASSWORD_LENGTH} characters.",
            code="invalid_password",
        )
    # zxcvbn rates at most 72 characters (its matching grows fast with length): the start.
    rating = zxcvbn(password[:72], user_inputs=[*context, *CONTEXT_WORDS])
    if rating["score"] < MIN_PASSWORD_SCORE:
        raise InvalidInput(
            "This password is too easy to guess: it is a common password, or close to your"
            " number, your name or the helpdesk's words. Choose a longer phrase of your own.",
            code="common_password",
        )
    return password


def create_employee(
    number: str, name: str, role: Role | str, password: str, *, actor: Employee | None = None
) -> Employee:
    """Add an employee; numbers are unique for ever (employees are suspended, never deleted).

    With an actor, only a supervisor or admin may add employees, and only an admin may add
    supervisors and admins; without one (the CLI, the demo) the system adds anyone.
    """
    number = validate_number(number)
    name = (name or "").strip()
    if not name or len(name) > 100 or invisible_characters(name):
        raise InvalidInput("A name is 1 to 100 characters.", code="invalid_name")
    role = _parse_role(role)
    validate_password(password, context=(number, name))
    if actor is not None:
        _check_grant(actor, role)
    if db.session.scalar(sa.select(Employee.id).where(Employee.number == number)):
        raise Conflict(
            f"Employee number {number} is already taken.", code="number_taken", number=number
        )
    employee = Employee(number=number, name=name, role=role, password_hash=_hasher.hash(password))
    db.session.add(employee)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(
            f"Employee number {number} is already taken.", code="number_taken", number=number
        ) from None
    audit.record("employee.created", "employee", number, actor=actor, role=role.value)
    db.session.commit()
    return employee


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify an unknown number against (the same work either way), made on first
    use: at import it cost every process half a second, gunicorn's and RQ's included."""
    return _hasher.hash("not-a-real-password")


def sign_in(number: str, password: str) -> Employee:
    """The active employee with this number and password (same work whatever is wrong).

    Raises Unauthorized `invalid_credentials` for an unknown number or a wrong password,
    suspended or not, and Forbidden `account_suspended` only once the password was right:
    saying so earlier would tell a stranger which numbers are suspended.
    """
    employee = find_employee((number or "").strip())
    stored = employee.password_hash if employee else _dummy_hash()
    wrong = Unauthorized("Wrong employee number or password.", code="invalid_credentials")
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        raise wrong from None
    if employee is None:
        raise wrong
    if not employee.active:
        raise Forbidden(
            "Your account is suspended. Ask a supervisor to reinstate it.",
            code="account_suspended",
        )
    if _hasher.check_needs_rehash(employee.password_hash):
        employee.password_hash = _hasher.hash(password)
        db.session.commit()
    return employee


def note_throttled_sign_in(number: str, address: str, path: str) -> None:
    """Audit that sign-in attempts for `number` from `address` were refused, and commit."""
    audit.record("auth.throttled", "employee", number or "-", address=address, path=path)
    db.session.commit()


def authenticate(number: str, password: str) -> Employee | None:
    """The active employee with this number and password, else None: sign_in as yes or no."""
    try:
        return sign_in(number, password)
    except (Unauthorized, Forbidden):
        return None


def set_password(employee: Employee, password: str, *, actor: Employee | None = None) -> None:
    """Change a password and end every session and token of the employee."""
    validate_password(password, context=(employee.number, employee.name))
    employee.password_hash = _hasher.hash(password)
    employee.session_version += 1
    audit.record("employee.password_changed", "employee", employee.number, actor=actor)
    db.session.commit()


def change_own_password(employee: Employee, current: str, new: str) -> None:
    """Self-service: the current password, then a new one; ends every other session and token.

    The caller signs the employee in again under the new session version, so only the
    session that made the change goes on.
    """
    try:
        _hasher.verify(employee.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise Forbidden("The current password is wrong.", code="wrong_password") from None
    if current == new:
        raise InvalidInput("Choose a password you have not used here.", code="same_password")
    set_password(employee, new, actor=employee)


def set_active(employee: Employee, active: bool, *, actor: Employee | None = None) -> bool:
    """Suspend or reinstate (False when it already was); suspending ends sessions and tokens.

    A supervisor may suspend trainees and agents, an admin anyone but themselves; the last
    active admin is never suspended, also not by the system (actor None).
    """
    _check_authority(actor, employee)
    if employee.active == active:
        return False
    if not active:
        _keep_an_admin(employee)
    employee.active = active
    employee.session_version += 1
    action = "employee.reinstated" if active else "employee.suspended"
    audit.record(action, "employee", employee.number, actor=actor)
    db.session.commit()
    return True


def set_role(employee: Employee, role: Role | str, *, actor: Employee | None) -> None:
    """Certify a trainee, promote or demote; ends the employee's sessions and tokens.

    Only a supervisor or admin changes roles, only an admin grants or takes supervisor and
    admin, nobody changes their own, and the last active admin stays an admin.
    """
    role = _parse_role(role)
    _check_authority(actor, employee)
    if actor is not None:
        _check_grant(actor, role)
    if employee.role is role:
        raise Conflict(
            f"Employee {employee.number} already is {role.value}.", code="role_unchanged"
        )
    if role is not Role.ADMIN:
        _keep_an_admin(employee)
    before = employee.role
    employee.role = role
    employee.session_version += 1  # the new role applies from the next sign-in or token
    audit.record(
        "employee.role_changed",
        "employee",
        employee.number,
        actor=actor,
        before=before.value,
        after=role.value,
    )
    db.session.commit()


def reset_password(employee: Employee, new_password: str, *, actor: Employee | None) -> None:
    """Set someone else's password (admins: anyone; supervisors: trainees and agents)."""
    _check_authority(actor, employee)
    set_password(employee, new_password, actor=actor)


def list_employees() -> list[Employee]:
    """Every employee, suspended ones too, in employee-number order (0427 before 10000)."""
    return list(
        db.session.scalars(
            sa.select(Employee).order_by(sa.func.length(Employee.number), Employee.number)
        )
    )


def can_manage(actor: Employee, employee: Employee) -> bool:
    """True when `actor` may change this employee's role, suspension or password."""
    try:
        _check_authority(actor, employee)
    except Forbidden:
        return False
    return True


def grantable_roles(actor: Employee) -> list[Role]:
    """The roles `actor` may give: all for an admin, up to agent for a supervisor, else none."""
    if actor.role is Role.ADMIN:
        return list(Role)
    if actor.role is Role.SUPERVISOR:
        return [r for r in Role if r.rank < Role.SUPERVISOR.rank]
    return []


def _parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput(f"Role must be one of {choices}.", code="invalid_role") from None


def _check_authority(actor: Employee | None, employee: Employee) -> None:
    """Refuse unless `actor` outranks the employee's administration (None: the system)."""
    if actor is None:
        return
    if not actor.active or not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors and admins manage employees.", code="forbidden")
    if actor.id == employee.id:
        raise Forbidden(
            "Nobody changes their own role, suspension or password here.", code="own_account"
        )
    if actor.role is not Role.ADMIN and employee.role.rank >= Role.SUPERVISOR.rank:
        raise Forbidden("Only an admin manages supervisors and admins.", code="admin_only")


def _check_grant(actor: Employee, role: Role) -> None:
    """Refuse a role the actor may not give (supervisor and admin are an admin's to give)."""
    if not actor.active or not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors and admins manage employees.", code="forbidden")
    if role not in grantable_roles(actor):
        raise Forbidden("Only an admin grants the supervisor and admin roles.", code="admin_only")


def _keep_an_admin(employee: Employee) -> None:
    """Refuse to take the last active admin away (demotion or suspension)."""
    if employee.role is not Role.ADMIN or not employee.active:
        return
    # Locking every active admin row (the target's too) serialises two admins demoting each
    # other on PostgreSQL; SQLite's transactions already begin IMMEDIATE.
    admins = db.session.scalars(
        sa.select(Employee.id)
        .where(Employee.role == Role.ADMIN, Employee.active.is_(True))
        .with_for_update()
    ).all()
    if not [admin_id for admin_id in admins if admin_id != employee.id]:
        raise Conflict(
            f"Employee {employee.number} is the last active admin; make another admin first.",
            code="last_admin",
        )


def set_language(employee: Employee, language: str) -> None:
    """Save the employee's display language (ja or en)."""
    if language not in LANGUAGES:
        raise InvalidInput(
            f"Language must be one of {', '.join(LANGUAGES)}.", code="invalid_language"
        )
    employee.language = language
    db.session.commit()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_PREFIX_LENGTH = 10  # "hd_" and 7 characters: enough to tell tokens apart, useless alone
TOKEN_TOUCH_SECONDS = 60  # last_used_at is written at most once a minute per token


def create_token(employee: Employee, name: str | None = None) -> str:
    """A new personal API token; only its hash is stored, so this is the one time it is seen."""
    return issue_token(employee, name)[0]


def issue_token(employee: Employee, name: str | None = None) -> tuple[str, ApiToken]:
    """A new token and its stored row (name, prefix, dates; never the token itself)."""
    name = (name or "").strip() or "API token"
    if len(name) > 100 or invisible_characters(name):  # NUL: PostgreSQL refuses it (a 500)
        raise InvalidInput(
            "A token name is at most 100 characters, without control or invisible characters.",
            code="invalid_token_name",
        )
    token = "hd_" + secrets.token_urlsafe(32)
    row = ApiToken(
        employee_id=employee.id,
        token_hash=_token_digest(token),
        session_version=employee.session_version,
        name=name,
        prefix=token[:TOKEN_PREFIX_LENGTH],
    )
    db.session.add(row)
    db.session.flush()
    audit.record("token.created", "employee", employee.number, actor=employee, token=row.id)
    db.session.commit()
    return token, row


def employee_for_token(token: str) -> Employee | None:
    """The employee a token belongs to, if the token is current and the employee active."""
    if len(token) > 200:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or not row.current:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
        row.last_used_at = now
        db.session.commit()
    return row.employee


def list_tokens(owner: Employee, *, actor: Employee) -> list[ApiToken]:
    """The owner's tokens, newest first, revoked ones too; for the owner and for admins."""
    _check_token_authority(actor, owner)
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.employee_id == owner.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(token_id: int, *, actor: Employee) -> ApiToken:
    """Revoke a token for good (its owner or an admin); revoking twice is a no-op."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("There is no such token.", code="not_found")
    if actor.id != row.employee_id and not (actor.active and actor.role is Role.ADMIN):
        # Someone else's token looks like no token at all: ids are not an oracle.
        raise NotFound("There is no such token.", code="not_found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_by = actor.number
        audit.record("token.revoked", "employee", row.employee.number, actor=actor, token=row.id)
        db.session.commit()
    return row


def _check_token_authority(actor: Employee, owner: Employee) -> None:
    if actor.id != owner.id and not (actor.active and actor.role is Role.ADMIN):
        raise Forbidden("Only the owner and admins see an employee's tokens.", code="forbidden")


def find_employee(number: str) -> Employee | None:
    """The employee with this number, if any (never for a text that is no employee number).

    Only numbers are looked up: PostgreSQL refuses a NUL in a query parameter (a 500).
    """
    if not re.fullmatch(EMPLOYEE_NUMBER_PATTERN, number):
        return None
    return db.session.scalar(sa.select(Employee).where(Employee.number == number))
