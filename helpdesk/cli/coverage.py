"""The `helpdesk coverage` commands: prove a period's coverage as a signed CSV, verify one."""

from __future__ import annotations

from pathlib import Path

import click

from helpdesk.cli.context import with_app


@click.group()
def coverage() -> None:
    """Coverage proofs for supervisors to hand on."""


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


@coverage.command("prove")
@click.option("--from", "raw_from", required=True, help="First day, e.g. 2026-11-01 (included).")
@click.option("--to", "raw_to", required=True, help="Last day, e.g. 2026-12-01 (not included).")
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the CSV (default coverage-proof-FROM-TO.csv); .sha256 and .sig beside.",
)
@with_app
def coverage_prove(raw_from: str, raw_to: str, out: Path | None) -> None:
    """Write the period's proof (CSV, its SHA-256 and signature) and print its summary."""
    from flask import current_app

    from helpdesk.models.types import utcnow
    from helpdesk.services import coverage_proof, periods
    from helpdesk.services.errors import InvalidInput

    try:
        period = periods.parse(
            periods.PROOF, None, raw_from, raw_to, current_app.config["HELPDESK"].timezone
        )
    except InvalidInput as exc:
        _fail(exc.message, 2)
    proof = coverage_proof.prove(period.start, period.end, utcnow())
    path = out or Path(f"coverage-proof-{period.shown_from()}-{period.shown_to()}.csv")
    try:
        path.write_bytes(proof.csv_bytes)
        Path(f"{path}.sha256").write_text(f"{proof.sha256}  {path.name}\n")
        Path(f"{path}.sig").write_text(f"{proof.signature}\n")
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror}", 1)
    for status in coverage_proof.STATUSES:
        click.echo(f"{status}\t{proof.totals[status]}")
    click.echo(f"total\t{sum(proof.totals.values())}")
    click.echo(f"ingest_covered\t{'yes' if proof.ingest_covered else 'no'}")
    click.echo(f"gaps_unrepaired\t{' '.join(map(str, proof.unrepaired_gaps)) or '-'}")
    click.echo(f"audit_intact\t{'yes' if proof.audit_intact else 'no'}")
    click.echo(f"audit_verified\t{proof.audit_verified}/{proof.audit_events}")
    click.echo(f"report\t{path}")
    click.echo(f"sha256\t{proof.sha256}")
    click.echo(f"signature\t{proof.signature}")


@coverage.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--signature", default=None, help="The hex signature (default: read FILE.sig).")
@with_app
def coverage_verify(file: Path, signature: str | None) -> None:
    """Check a proof's signature: exit 0 when it is this desk's, unchanged; 1 otherwise."""
    from helpdesk.services import coverage_proof

    try:
        content = file.read_bytes()
        if signature is None:
            signature = Path(f"{file}.sig").read_text().strip()
    except OSError as exc:
        _fail(f"cannot read {exc.filename}: {exc.strerror}", 2)
    if not coverage_proof.verify(content, signature or ""):
        _fail(f"{file}: the signature does not match; the report was changed or not ours.", 1)
    click.echo(f"{file}: signature verified")
