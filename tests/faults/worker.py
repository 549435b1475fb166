"""`python -m tests.faults.worker`: the helpdesk RQ worker with short heartbeat and maintenance.

The same set-up as `python -m workers` (app created once, engine disposed before forking,
JSON serializer, scheduler on); only RQ's intervals are shortened so that a fault test sees
the worker's own recovery (abandoned jobs, scheduled retries) within seconds.
"""

from __future__ import annotations

import logging
import os
import sys

from rq import Worker
from rq.serializers import JSONSerializer

from helpdesk import create_app
from helpdesk.queue import QUEUE_NAMES

JOB_MONITORING_SECONDS = 1
MAINTENANCE_SECONDS = 2
WORKER_TTL_SECONDS = 10


def main() -> int:
    """Run one worker on every helpdesk queue until killed."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("tweepy").setLevel(logging.INFO)  # its DEBUG log prints the bearer token
    app = create_app()
    from helpdesk.extensions import db

    with app.app_context():
        engine = db.engine
        engine.dispose()
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        worker = Worker(
            list(QUEUE_NAMES),
            connection=app.extensions["redis"],
            serializer=JSONSerializer,
            job_monitoring_interval=JOB_MONITORING_SECONDS,
            maintenance_interval=MAINTENANCE_SECONDS,
            worker_ttl=WORKER_TTL_SECONDS,
        )
        worker.work(with_scheduler=True, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
