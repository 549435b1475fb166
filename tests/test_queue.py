"""Enqueueing a reply's job: a job that says queued but sits in no queue, or a remnant of one,
is enqueued again; the job is never dropped without a word."""

from __future__ import annotations

import logging

from rq.job import Job

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


def test_a_remnant_of_a_deleted_job_does_not_block_its_reply_forever(app, caplog):
    """A job hash without data (a worker set a status after the job was deleted) holds the
    unique id; the reply's job is still enqueued, with no warning, and the remnant is gone."""
    outbound = queue.get_queue(queue.OUTBOUND)
    redis = app.extensions["redis"]
    redis.hset(Job.key_for("post_reply-42"), "status", "finished")
    with caplog.at_level(logging.WARNING, logger="helpdesk.queue"):
        queue.enqueue_post_reply(42)
    assert outbound.job_ids == ["post_reply-42"]
    job = Job.fetch("post_reply-42", connection=redis, serializer=outbound.serializer)
    assert job.args == [42]
    assert caplog.records == []
