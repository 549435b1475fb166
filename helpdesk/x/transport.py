"""Point tweepy's hard-coded X API host at another base URL and give it a timeout."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests
import tweepy
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

logger = logging.getLogger(__name__)

X_API_HOST = "https://api.twitter.com"

Timeout = float | tuple[float, float]


class BaseURLAdapter(HTTPAdapter):
    """An HTTPAdapter that rewrites the X API host to `base_url` and never waits forever.

    tweepy builds every URL as ``https://api.twitter.com`` + route and calls the session
    without a timeout; this adapter sits below tweepy, so tweepy's own request, auth and
    error code runs unchanged. Retries stay off (``max_retries=0``): a POST must not be
    sent twice behind the caller's back.
    """

    def __init__(
        self, base_url: str | None = None, timeout: Timeout = 10.0, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout: tuple[float, float] = (
            (float(timeout), float(timeout))
            if isinstance(timeout, int | float)
            else (float(timeout[0]), float(timeout[1]))
        )

    def rewrite_url(self, url: str) -> str:
        """Return `url` with the X API host replaced by the base URL, when one is set."""
        if self.base_url and url.startswith(X_API_HOST + "/"):
            return self.base_url + url[len(X_API_HOST) :]
        return url

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout | None = None,
        verify: bool | str = True,
        cert: object = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if timeout is None:
            timeout = self.timeout
        url = request.url or ""
        new_url = self.rewrite_url(url)
        if new_url != url:
            request.url = new_url
            # Proxies were chosen for api.twitter.com; choose again for the real target
            # so NO_PROXY (e.g. for 127.0.0.1) is honoured.
            proxies = get_environ_proxies(new_url)
        return super().send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )


def attach_transport(
    client: tweepy.Client, base_url: str | None, timeout: Timeout
) -> tweepy.Client:
    """Mount a BaseURLAdapter on `client.session` for the X API host and return the client.

    `base_url` (e.g. ``http://127.0.0.1:8090``) replaces ``https://api.twitter.com``; None
    keeps the real host. `timeout` (seconds, or a (connect, read) pair) applies to every
    request that does not pass its own.
    """
    adapter = BaseURLAdapter(base_url=base_url, timeout=timeout)
    client.session.mount(X_API_HOST + "/", adapter)
    logger.debug("X API transport: base_url=%s timeout=%s", base_url or X_API_HOST, timeout)
    return client
