"""Fixtures for the X boundary: a real X sandbox over HTTP on a free port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.sandbox import RunningSandbox, serving_sandbox


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """An X sandbox on 127.0.0.1 with a free port, shut down after the test."""
    with serving_sandbox() as running:
        yield running
