"""Start an RQ worker: the app is created once, and each forked job gets fresh DB connections."""

from __future__ import annotations

import argparse
import os
import sys

from rq import Worker
from rq.serializers import JSONSerializer

from helpdesk import ConfigError, create_app, logs
from helpdesk.queue import QUEUE_NAMES


def main(argv: list[str] | None = None) -> int:
    """Run a worker on the helpdesk queues until stopped (or until empty with --burst)."""
    parser = argparse.ArgumentParser(prog="python -m workers", description=main.__doc__)
    parser.add_argument("--queues", nargs="+", default=list(QUEUE_NAMES), choices=QUEUE_NAMES)
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    logs.configure()  # before anything logs: redaction, one format, the job id on each line
    try:
        app = create_app()
    except ConfigError as exc:
        print(f"helpdesk worker: {exc}", file=sys.stderr)
        return 2
    # workers.jobs imported here, once: a forked work horse inherits it instead of importing
    # the jobs and every service again for each job (most of a short job's time).
    import workers.jobs  # noqa: F401
    from helpdesk.extensions import db

    with app.app_context():
        engine = db.engine
        engine.dispose()  # no pooled connection crosses the fork into a work horse
        # A forked work horse must not reuse the parent's sockets: drop them, keep the pool.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        worker = Worker(
            args.queues,
            connection=app.extensions["redis"],
            serializer=JSONSerializer,
            name=args.name,
        )
        worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
