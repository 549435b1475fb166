"""Login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from helpdesk.auth import bp, sessions, throttle
from helpdesk.auth.forms import LanguageForm, LoginForm
from helpdesk.services import employees, presence
from helpdesk.services.errors import ServiceError


def safe_next(target: str | None) -> str | None:
    """`target` when it is a same-site relative path, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None  # browsers read "/\evil.example" as "//evil.example"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@throttle.limit_attempts
def login() -> ResponseReturnValue:
    """Sign in with employee number and password; one message for every failure."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("inbox.index"))
    form = LoginForm()
    refusal = None
    if form.validate_on_submit():
        try:
            employee = employees.sign_in(form.number.data or "", form.password.data or "")
        except ServiceError as exc:
            refusal = exc.code
        throttle.log_attempt(refusal is None)
        if refusal is None:
            session.clear()  # nothing from before the sign-in carries over
            login_user(employee)
            sessions.start()
            return redirect(next_url or url_for("inbox.index"))
    # Empty fields, unknown number, wrong password: one message. Suspended (known only after
    # the right password): its own, so the employee knows to ask a supervisor.
    suspended = refusal == "account_suspended"
    failed = form.is_submitted() and not suspended
    return render_template(
        "auth/login.html", form=form, next_url=next_url, failed=failed, suspended=suspended
    )


@bp.errorhandler(TooManyRequests)
def _throttled(exc: TooManyRequests) -> ResponseReturnValue:
    """Too many failed sign-ins from this address or for this number: say so, and wait."""
    throttle.note_refusal()
    form = LoginForm()
    retry_after = exc.get_response().headers.get("Retry-After")
    page = render_template(
        "auth/login.html",
        form=form,
        next_url=safe_next(request.args.get("next")),
        failed=False,
        throttled=True,
    )
    headers = {"Retry-After": retry_after} if retry_after else {}
    return page, 429, headers


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (POST with a CSRF token, so no other site can sign anyone out)."""
    presence.forget(current_user.id)  # supervisors see them offline at once
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@login_required
def language() -> ResponseReturnValue:
    """Save the employee's language and go back to the page they were on."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    employees.set_language(current_user, form.language.data)
    return redirect(safe_next(request.form.get("next")) or url_for("inbox.index"))
