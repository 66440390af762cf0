"""HTTP GET with the retry policy podsift uses everywhere.

Timeouts, dropped connections, 5xx answers and 429 (Too Many Requests) are retried with
exponential backoff, waiting at least as long as a `Retry-After` header asks (up to
`MAX_RETRY_AFTER_S`); other 4xx answers are final (retrying a 404 only delays the error).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urlparse

import httpx

from podsift.tasks.core.errors import redact_credentials

USER_AGENT = "podsift/0.1 (+https://github.com/podsift/podsift)"
DAY_S = 86_400.0
RETRY_BACKOFF_S = 0.5  # first pause; doubles per attempt. Tests may lower it.
# The longest Retry-After podsift waits for within a run; a server asking for more is tried
# again by the next run instead of holding this one up.
MAX_RETRY_AFTER_S = 60.0
RETRYABLE_STATUS = frozenset({429, *range(500, 600)})
# Answers whose Retry-After means "come back later" (RFC 9110 15.6.4): a long wait asked with
# one of them leaves the item for the next run rather than failing it.
TRY_LATER_STATUS = frozenset({429, 503})

T = TypeVar("T")


class _RedactCredentials(logging.Filter):
    """Takes the credentials out of httpx's own log lines (`HTTP Request: GET
    https://user:password@host/feed ...`, at INFO), which `--verbose` and any handler a user
    adds would otherwise print for a private feed."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "@" in message:
            record.msg, record.args = redact_credentials(message), ()
        return True


logging.getLogger("httpx").addFilter(_RedactCredentials())


class RetryableHTTPError(Exception):
    """A 5xx or 429 answer, worth another try (after `retry_after_s`, when the server said)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.status_code = response.status_code
        self.retry_after_s = parse_retry_after(response.headers.get("retry-after"))


def parse_retry_after(value: str | None) -> float | None:
    """A Retry-After header as seconds from now: `120`, or an HTTP date. None when absent/junk."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class IncompleteBodyError(Exception):
    """The connection closed before the whole body arrived, and HTTP itself could not tell.

    A response without Content-Length ends when the connection closes, so a cut looks like a
    complete short body; callers that know the expected size raise this to get another try.
    """


class UnfollowableRedirectError(httpx.RequestError):
    """A redirect to an address podsift does not fetch: another scheme (`file:`, `ftp:`,
    `data:`) or no valid URL. Final, not retried: the next try is redirected the same way.

    httpx raised `UnsupportedProtocol` (a transport error, so retried, and worded as a failed
    connection) for a `file:` or `ftp:` target, and `InvalidURL` (no `HTTPError`: an
    "unexpected error") for a `data:` one.
    """


def _refuse_unfollowable_redirect(response: httpx.Response) -> None:
    """A response hook: stop at a redirect whose target podsift would not fetch."""
    if not response.has_redirect_location:
        return
    location = response.headers["location"]
    shown = location if len(location) <= 100 else location[:97] + "..."
    problem = None
    try:
        scheme = urlparse(location).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            problem = "which podsift does not follow (http and https only)"
        else:
            response.url.join(location)
    except (ValueError, httpx.InvalidURL) as exc:
        problem = f"which is not a valid URL ({exc})"
    if problem:
        raise UnfollowableRedirectError(
            f"redirected ({http_status(response)}) to {shown}, {problem}",
            request=response.request,
        )


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
        event_hooks={"response": [_refuse_unfollowable_redirect]},
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
        except RETRYABLE as exc:
            asked = exc.retry_after_s if isinstance(exc, RetryableHTTPError) else None
            if n == retries or (asked is not None and asked > MAX_RETRY_AFTER_S):
                raise
            time.sleep(max(delay, asked or 0.0))
            delay *= 2
    raise AssertionError("unreachable")


def raise_for_retryable_status(response: httpx.Response) -> None:
    """Raise `RetryableHTTPError` for a 5xx or a 429 answer."""
    if response.status_code in RETRYABLE_STATUS:
        raise RetryableHTTPError(response)


@contextmanager
def client_for(timeout_s: float, client: httpx.Client | None) -> Iterator[httpx.Client]:
    """Use the caller's client, or make one and close it afterwards."""
    if client is not None:
        yield client
        return
    with make_client(timeout_s) as own:
        yield own


def is_long_rate_limit(exc: BaseException) -> bool:
    """A 429 or 503 whose Retry-After is longer than a run waits: try again next run."""
    return (
        isinstance(exc, RetryableHTTPError)
        and exc.status_code in TRY_LATER_STATUS
        and exc.retry_after_s is not None
        and exc.retry_after_s > MAX_RETRY_AFTER_S
    )


def describe_wait(seconds: float) -> str:
    """A Retry-After wait for messages: `7200 s` up to a day, then in days (a server may ask
    for years, or send a number with 27 digits)."""
    if seconds <= DAY_S:
        return f"{seconds:.0f} s"
    if seconds < 1000 * DAY_S:
        days = seconds / DAY_S
        return f"{days:.1f} days" if days < 10 else f"{days:.0f} days"
    return "more than 1000 days"


def http_status(response: httpx.Response) -> str:
    """`HTTP 404 Not Found`, for messages (a server may send no reason phrase)."""
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


def undecodable_encoding(response: httpx.Response) -> str | None:
    """Why `response`'s body cannot be read, when the server compressed it in a way podsift
    did not ask for and cannot undo (`Content-Encoding: br` or `zstd` without the packages
    that decode them), else None.

    httpx passes a body in an encoding it does not know through as it came, so such a feed
    read as "malformed XML ... (not well-formed (invalid token))" and such audio as "not a
    known audio format", neither of which says what the server did.
    """
    sent = response.headers.get("content-encoding", "")
    accepted = response.request.headers.get("accept-encoding", "")
    known = {"identity"} | {a.split(";")[0].strip().lower() for a in accepted.split(",")}
    unknown = [e.strip() for e in sent.split(",") if e.strip() and e.strip().lower() not in known]
    if not unknown:
        return None
    return (
        f"the server compressed its answer as {', '.join(unknown)}, which podsift did not ask "
        f"for and cannot decode (it asks for {accepted or 'no compression'})"
    )


def url_problem(url: str) -> str | None:
    """Why httpx cannot request `url` (a port that is no number, a control character, a URL
    over 64 KB), or None. httpx raises `InvalidURL` for these, which is no `HTTPError`."""
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        return str(exc)
    return None


def describe_network_error(exc: BaseException) -> str:
    """One phrase for a network failure, for messages like 'feed X: <phrase>'."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            why = text.split("certificate verify failed:", 1)[-1].split("(_ssl", 1)[0].strip()
            return f"the server's TLS certificate is not trusted ({why or 'verify failed'})"
        return f"cannot connect ({exc})"
    if isinstance(exc, httpx.DecodingError):
        return f"the server's compressed answer is corrupt ({exc})"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, RetryableHTTPError):
        wait = exc.retry_after_s
        if is_long_rate_limit(exc) and wait is not None:
            what = "rate limited" if exc.status_code == 429 else "unavailable"
            return (
                f"{what} (HTTP {exc.status_code}): the server asks to wait {describe_wait(wait)}, "
                "left for the next run"
            )
        if exc.status_code == 429:
            return "rate limited (HTTP 429 Too Many Requests), still refused after retries"
        return f"server error {exc}, still failing after retries"
    if isinstance(exc, UnfollowableRedirectError):
        return str(exc)
    if isinstance(exc, httpx.TransportError):
        return f"connection failed ({exc.__class__.__name__}: {exc})"
    if isinstance(exc, UnicodeError) and "idna" in str(exc):  # a label over 63 characters
        why = str(exc).rsplit("UnicodeError: ", 1)[-1].rstrip(")")
        return f"cannot look up the host name ({why})"
    return str(exc)
