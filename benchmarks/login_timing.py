"""Sign-in timing: a known number with a wrong password, an unknown number and a suspended
employee must take the same time, so timing does not tell which numbers exist.

    python benchmarks/login_timing.py [--rounds 40]

Runs the real app (SQLite and an embedded Redis in a temporary folder, limits off) through
Flask's test client, interleaving the three cases round by round, and prints the median
and the 10th-90th percentile of each, plus the ratio of each median to the known-wrong one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = {
    "known number, wrong password": ("0427", "wrong password, long enough"),
    "unknown number": ("9999", "wrong password, long enough"),
    "suspended employee, right password": ("0428", "correct horse battery"),
    "too long a number (refused early?)": ("1234567", "wrong password, long enough"),
}


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    from flask_migrate import upgrade

    from helpdesk import create_app
    from helpdesk.services.employees import create_employee, find_employee, set_active

    folder = Path(tempfile.mkdtemp(prefix="helpdesk-timing-"))
    environ = {"HELPDESK_INSTANCE": str(folder), "SECRET_KEY": "timing-benchmark"}
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, environ=environ)
    with app.app_context():
        upgrade()
        create_employee("0427", "Known", "agent", "correct horse battery")
        create_employee("0428", "Suspended", "agent", "correct horse battery")
        set_active(find_employee("0428"), False)
    client = app.test_client()
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.rounds):
        for name, (number, password) in CASES.items():
            started = time.perf_counter()
            answer = client.post(
                "/api/v1/auth/token", json={"number": number, "password": password}
            )
            times[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 401, (name, answer.status_code)
    base = statistics.median(times["known number, wrong password"])
    print("| case | median ms | p10-p90 ms | median / known-wrong |")
    print("| --- | ---: | ---: | ---: |")
    for name, samples in times.items():
        deciles = statistics.quantiles(samples, n=10)
        median = statistics.median(samples)
        print(
            f"| {name} | {median:.1f} | {deciles[0]:.1f}-{deciles[-1]:.1f} | {median / base:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
