"""HTTP GET with the retry policy podsift uses everywhere.

Timeouts, dropped connections and 5xx answers are retried with exponential backoff; 4xx answers
are final (retrying a 404 only delays the error).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlparse

import httpx

USER_AGENT = "podsift/0.1 (+https://github.com/podsift/podsift)"
RETRY_BACKOFF_S = 0.5  # first pause; doubles per attempt. Tests may lower it.

T = TypeVar("T")


class RetryableHTTPError(Exception):
    """A 5xx answer, worth another try."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.status_code = response.status_code


class IncompleteBodyError(Exception):
    """The connection closed before the whole body arrived, and HTTP itself could not tell.

    A response without Content-Length ends when the connection closes, so a cut looks like a
    complete short body; callers that know the expected size raise this to get another try.
    """


RETRYABLE = (httpx.TimeoutException, httpx.TransportError, RetryableHTTPError, IncompleteBodyError)


def is_http_url(url: str) -> bool:
    """True for an http(s) URL; anything else podsift reads as a local path."""
    return urlparse(url).scheme.lower() in ("http", "https")


def make_client(timeout_s: float) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 15.0)),
        follow_redirects=True,
        max_redirects=10,
        headers={"User-Agent": USER_AGENT},
    )


def with_retries(attempt: Callable[[], T], *, retries: int) -> T:
    """Call `attempt` until it succeeds, retrying transient network failures.

    Raises:
        The last exception when every try failed; non-transient errors at once.
    """
    delay = RETRY_BACKOFF_S
    for n in range(retries + 1):
        try:
            return attempt()
        except RETRYABLE:
            if n == retries:
                raise
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def raise_for_5xx(response: httpx.Response) -> None:
    if response.status_code >= 500:
        raise RetryableHTTPError(response)


@contextmanager
def client_for(timeout_s: float, client: httpx.Client | None) -> Iterator[httpx.Client]:
    """Use the caller's client, or make one and close it afterwards."""
    if client is not None:
        yield client
        return
    with make_client(timeout_s) as own:
        yield own


def describe_network_error(exc: BaseException) -> str:
    """One phrase for a network failure, for messages like 'feed X: <phrase>'."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, RetryableHTTPError):
        return f"server error {exc}, still failing after retries"
    if isinstance(exc, httpx.TransportError):
        return f"connection failed ({exc.__class__.__name__}: {exc})"
    return str(exc)
