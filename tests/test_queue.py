"""Enqueueing a reply's job: a job that says queued but sits in no queue is enqueued again."""

from __future__ import annotations

from helpdesk import queue


def test_a_job_taken_by_a_dead_worker_is_enqueued_again(app):
    """A job RQ moved out of the queue list (its worker died before starting it) still says
    `queued`; asking again enqueues a fresh job instead of trusting it (chaos seed 1012)."""
    outbound = queue.get_queue(queue.OUTBOUND)
    queue.enqueue_post_reply(41)
    assert outbound.job_ids == ["post_reply-41"]
    queue.enqueue_post_reply(41)
    assert outbound.job_ids == ["post_reply-41"]  # waiting in the list: not doubled
    app.extensions["redis"].lrem(outbound.key, 0, "post_reply-41")  # what a dequeue does
    queue.enqueue_post_reply(41)
    [fresh] = outbound.job_ids
    assert fresh.startswith("post_reply-41-") and fresh != "post_reply-41"
