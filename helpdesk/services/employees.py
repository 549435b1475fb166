"""Employees: create, authenticate, API tokens; roles, suspension and resets by authority."""

from __future__ import annotations

import hashlib
import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from helpdesk.extensions import db
from helpdesk.models import ApiToken, Employee, Role
from helpdesk.models.employees import EMPLOYEE_NUMBER_PATTERN
from helpdesk.services import audit
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 8


def validate_number(number: str) -> str:
    """An employee number: 4 to 6 digits, e.g. 0427."""
    number = (number or "").strip()
    if not re.fullmatch(EMPLOYEE_NUMBER_PATTERN, number):
        raise InvalidInput("An employee number is 4 to 6 digits, e.g. 0427.", code="invalid_number")
    return number


def validate_password(password: str) -> str:
    """A password long enough to be worth hashing."""
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", code="weak_password"
        )
    if len(password) > 512:
        raise InvalidInput("A password can be at most 512 characters.", code="invalid_password")
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
    if not name or len(name) > 100:
        raise InvalidInput("A name is 1 to 100 characters.", code="invalid_name")
    role = _parse_role(role)
    validate_password(password)
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


def authenticate(number: str, password: str) -> Employee | None:
    """The active employee with this number and password, else None (same work either way)."""
    employee = db.session.scalar(
        sa.select(Employee).where(Employee.number == (number or "").strip())
    )
    stored = employee.password_hash if employee else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if employee is None or not employee.active:
        return None
    if _hasher.check_needs_rehash(employee.password_hash):
        employee.password_hash = _hasher.hash(password)
        db.session.commit()
    return employee


def set_password(employee: Employee, password: str, *, actor: Employee | None = None) -> None:
    """Change a password and end every session and token of the employee."""
    employee.password_hash = _hasher.hash(validate_password(password))
    employee.session_version += 1
    audit.record("employee.password_changed", "employee", employee.number, actor=actor)
    db.session.commit()


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
    from helpdesk.i18n import LANGUAGES

    if language not in LANGUAGES:
        raise InvalidInput(
            f"Language must be one of {', '.join(LANGUAGES)}.", code="invalid_language"
        )
    employee.language = language
    db.session.commit()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(employee: Employee) -> str:
    """A new personal API token; only its hash is stored, so this is the one time it is seen."""
    token = "hd_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            employee_id=employee.id,
            token_hash=_token_digest(token),
            session_version=employee.session_version,
        )
    )
    audit.record("token.created", "employee", employee.number, actor=employee)
    db.session.commit()
    return token


def employee_for_token(token: str) -> Employee | None:
    """The employee a token belongs to, if the token is current and the employee active."""
    if len(token) > 200:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None:
        return None
    employee = row.employee
    if not employee.active or employee.session_version != row.session_version:
        return None
    return employee


def find_employee(number: str) -> Employee | None:
    """The employee with this number, if any."""
    return db.session.scalar(sa.select(Employee).where(Employee.number == number))
