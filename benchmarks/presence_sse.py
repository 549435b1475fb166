"""The SSE alternative measured by benchmarks/presence.py (not served by the product).

`gunicorn benchmarks.presence_sse:app`: the desk's app plus `GET /bench/presence/stream?ids=`,
a server-sent event stream fed by Redis pub/sub. Each change a mention page reports is
published once, with the changed mention's picture; each process holds one subscription and
fans the events out to its open streams; each stream holds a thread and forwards the events
for its ids, with a comment every 15 s to keep it open.
"""

from __future__ import annotations

import json
import queue
import threading

from flask import Response, abort, current_app, request
from flask_login import current_user

from helpdesk.services import watching
from wsgi import app

CHANNEL = "helpdesk:watch:events"
_note = watching.note


def _note_and_publish(mention_id, number, state, *, at=None):
    changed = _note(mention_id, number, state, at=at)
    if changed:
        seen = watching.who([mention_id])[mention_id]
        picture = {kind: [w.as_dict() for w in people] for kind, people in seen.items()}
        event = {"id": str(mention_id), "picture": picture}
        current_app.extensions["redis"].publish(CHANNEL, json.dumps(event))
    return changed


watching.note = _note_and_publish


class Fanout:
    """One Redis subscription per process, handing each event to every open stream's queue
    (a subscription per stream would hold one of the app's pooled Redis connections each)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queues: set[queue.Queue] = set()
        self.thread: threading.Thread | None = None

    def join(self, redis) -> queue.Queue:
        mine: queue.Queue = queue.Queue()
        with self.lock:
            self.queues.add(mine)
            if self.thread is None:
                pubsub = redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                self.thread = threading.Thread(target=self._listen, args=(pubsub,), daemon=True)
                self.thread.start()
        return mine

    def leave(self, mine: queue.Queue) -> None:
        with self.lock:
            self.queues.discard(mine)

    def _listen(self, pubsub) -> None:
        for message in pubsub.listen():
            data = message["data"]
            text = data.decode() if isinstance(data, bytes) else data
            event_id = json.loads(text)["id"]
            with self.lock:
                targets = list(self.queues)
            for target in targets:
                target.put((event_id, text))


FANOUT = Fanout()


@app.get("/bench/presence/stream")
def presence_stream():
    if not current_user.is_authenticated:
        abort(401)
    wanted = set(request.args.get("ids", "").split(","))
    mine = FANOUT.join(current_app.extensions["redis"])

    def events():
        try:
            yield ": open\n\n"
            while True:
                try:
                    event_id, text = mine.get(timeout=15)
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                if event_id in wanted:
                    yield f"data: {text}\n\n"
        finally:
            FANOUT.leave(mine)

    return Response(events(), mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})
