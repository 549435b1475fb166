"""Benchmark: peak RSS of a web worker, a CSV export and an RQ worker as the data grows.

For each database given (seeded by benchmarks/seed/, e.g. 10k, 100k and 1M mentions):

- web: one gunicorn worker process; a seeded supervisor signs in and loads the inbox,
  the supervisors' desk and the coverage page; the worker's peak RSS;
- export: the same worker streams a 1-year `/supervise/mentions.csv` (read to the end,
  counted, not kept); its peak RSS afterwards, and the bytes and rows exported;
- worker (with --worker): `python -m workers --burst` running one ingest pass of
  `--ingest` new mentions from the X sandbox and posting `--posts` replies; the peak RSS of
  the worker and its work horses (sampled every 20 ms from /proc). This writes to the
  database, so it is only run on databases of your own.

"Flat" means the biggest database's figure is within ~1.2x of the smallest's. Usage:

    python benchmarks/memory.py --database-url URL [--database-url URL ...] [--worker]
        [--ingest 2000] [--posts 50] [--redis-url URL] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from benchmarks import harness  # noqa: E402
from tests.chaos.cluster import children  # noqa: E402

SEED_PASSWORD = "seeded desk password 2026"  # noqa: S105 - benchmarks/seed/'s logins
PAGES = ("/inbox", "/supervise/", "/supervise/coverage")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """One process's resident set (or VmHWM, its peak) in KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler:
    """Samples the RSS of a process tree every 20 ms in a thread; `peak` in KiB."""

    def __init__(self, root: int) -> None:
        self.root, self.peak = root, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for pid in [self.root, *children(self.root)]:
                self.peak = max(self.peak, rss_kib(pid), rss_kib(pid, "VmHWM"))


def supervisor_number(url: str) -> tuple[str, int]:
    """A seeded supervisor's number and the mentions stored (read only)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        number = conn.scalar(
            sa.text(
                "SELECT number FROM employees WHERE role IN ('supervisor', 'admin') "
                "AND active ORDER BY id LIMIT 1"
            )
        )
        mentions = conn.scalar(sa.text("SELECT count(*) FROM mentions"))
    engine.dispose()
    if number is None:
        raise SystemExit(f"{url}: no supervisor; seed it with benchmarks/seed/ first")
    return str(number), int(mentions)


def web_and_export(desk: harness.Desk, number: str) -> dict:
    """Peak RSS of one gunicorn worker after the pages, then after a 1-year export."""
    web, url = desk.gunicorn(1)
    web.start()
    try:
        harness.wait_for_http(url + "/auth/login", web)
        worker = children(web.proc.pid)[0]
        http = requests.Session()
        form = http.get(url + "/auth/login", timeout=30).text
        answer = http.post(
            url + "/auth/login",
            data={"number": number, "password": SEED_PASSWORD, "csrf_token": _csrf(form)},
            timeout=30,
        )
        answer.raise_for_status()
        for path in PAGES:
            http.get(url + path, timeout=120).raise_for_status()
        pages_peak = rss_kib(worker, "VmHWM")
        today = datetime.now(UTC).date()
        start = today - timedelta(days=365)
        size = rows = 0
        with http.get(
            url + "/supervise/mentions.csv",
            params={"from": start.isoformat(), "to": today.isoformat()},
            stream=True,
            timeout=600,
        ) as export:
            export.raise_for_status()
            for chunk in export.iter_content(65536):
                size += len(chunk)
                rows += chunk.count(b"\n")
        return {
            "web_peak_mib": round(pages_peak / 1024, 1),
            "export_peak_mib": round(rss_kib(worker, "VmHWM") / 1024, 1),
            "export_bytes": size,
            "export_rows": rows - 1,
        }
    finally:
        web.kill()


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise RuntimeError("no csrf_token on the login page")
    return found.group(1)


def worker_run(desk: harness.Desk, x: object, ingest: int, posts: int) -> dict:
    """Peak RSS of a burst worker running an ingest pass, then `posts` post jobs."""
    from helpdesk import queue
    from helpdesk.extensions import db
    from helpdesk.models import Mention, MentionStatus
    from helpdesk.services.employees import create_employee, find_employee
    from helpdesk.services.replies import create_reply

    x.state.add_bulk(ingest, seed=11)
    with desk.app.app_context():
        queue.enqueue_ingest()
    peak = _burst(desk, ("ingest",))
    with desk.app.app_context():
        agent = find_employee("4242") or create_employee(
            "4242", "Memory Bench", "agent", "correct horse battery"
        )
        db.session.commit()
        newest = db.session.scalars(
            sa.select(Mention.id)
            .where(Mention.status == MentionStatus.OPEN)
            .order_by(Mention.tweet_id.desc())
            .limit(posts)
        ).all()
        for n, mention_id in enumerate(newest):
            create_reply(mention_id, agent, f"確認いたします。少々お待ちください（メモリ {n:04d}）")
        db.session.remove()
    peak = max(peak, _burst(desk, ("outbound",)))
    return {"worker_peak_mib": round(peak / 1024, 1)}


def _burst(desk: harness.Desk, queues: tuple[str, ...]) -> int:
    (service,) = desk.workers(1, queues)
    service.argv.append("--burst")
    service.start()
    with Sampler(service.proc.pid) as sampler:
        service.proc.wait(timeout=1800)
    if service.proc.returncode:
        raise RuntimeError(f"the worker failed:\n{service.tail()}")
    return sampler.peak


def run_one(url: str, args: argparse.Namespace) -> dict:
    """Every figure for one database."""
    number, mentions = supervisor_number(url)
    work = harness.workdir("memory")
    with (
        harness.redis_url(args.redis_url, work) as redis,
        harness.sandbox(mentions_window=args.ingest + 100, rate_limit=10**6, post_limit=10**4) as x,
    ):
        window = str(args.ingest + 100)
        environ = harness.desk_environ(work, url, redis, x.url, HELPDESK_MENTIONS_WINDOW=window)
        desk = harness.Desk(environ, work)
        with desk.app.app_context():
            desk.app.extensions["redis"].flushdb()
        result = {"database": url.rsplit("/", 1)[-1], "mentions": mentions}
        result |= web_and_export(desk, number)
        if args.worker:
            result |= worker_run(desk, x, args.ingest, args.posts)
    print(json.dumps(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    """Measure each database and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--worker", action="store_true", help="also the RQ worker (writes)")
    parser.add_argument("--ingest", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    results = [run_one(url, args) for url in args.database_url]
    print(f"peak RSS (MiB), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {harness.machine()}")
    print("| mentions | web worker | after 1-year export | export rows | RQ worker |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['mentions']:,} | {r['web_peak_mib']} | {r['export_peak_mib']} | "
            f"{r['export_rows']:,} | {r.get('worker_peak_mib', '-')} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
