"""One GET, as the index client makes it: retried, timed out, deadlined and size-capped.  [network only]

Retried as pip and uv retry: connect errors (a DNS failure is one), resets, timeouts, truncated bodies and
HTTP 429/500/502/503/504, with exponential backoff and jitter, honouring ``Retry-After`` up to a cap, at most
``retries`` times.  Not retried: other statuses, redirect loops and oversized bodies, where a second try
would get the same answer.  After the last try the error names the URL, the last status or error and the
number of tries.

Bodies are streamed against two bounds, so that memory stays bounded and nothing hangs: a size cap, and a
deadline per response of ``4 × timeout`` plus the time the bytes received so far take at ``MIN_RATE``.  The
socket timeout catches a server that goes silent; the deadline catches one that drips a byte now and then,
yet lets a big body arriving at any sensible speed through.

Why a loop of ours and no library: httpx's transport retries cover connect errors only; ``tenacity`` and
``stamina`` would still need our own code for Retry-After, for the body-level faults and for the error that
counts the tries, and stamina's switch for waitless tests is process-wide.  What is left for a library is
the dozen lines of :meth:`Getter.get`.
"""

from __future__ import annotations

import contextlib
import email.utils
import io
import os
import random
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import TypeVar

import httpcore
import httpx

from wheelpin.config import ca_bundle, client_cert, redact_text, redact_url
from wheelpin.errors import IndexUnavailable, InputError
from wheelpin.index.lookups import LookupBackend, Lookups
from wheelpin.index.policy import NetPolicy

T = TypeVar("T")

USER_AGENT = "wheelpin/0.1 (metadata-only resolver)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Enough for any index's real redirects (normalizing a name, a CDN hop); a loop reaches it at once.
MAX_REDIRECTS = 10
BACKOFF_BASE = 0.5
BACKOFF_CAP = 10.0
# A Retry-After beyond this is taken as this: a build would rather fail than wait an hour.
RETRY_AFTER_CAP = 30.0
# The transport errors a second try may cure; protocol misuse by us or an unsupported scheme is not one.
TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError,
                    httpx.DecodingError)
# Headers describing the body as sent: the response we hand on carries the decoded body.
_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

def backoff_delay(retry: int, retry_after: float | None) -> float:
    """The server's Retry-After (capped), else exponential with jitter: 0.25–0.5 s, 0.5–1 s, … up to 10 s.
    The jitter keeps a pool of workers that failed together from retrying together."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), RETRY_AFTER_CAP)
    ceiling: float = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (retry - 1))
    return random.uniform(0.5, 1.0) * ceiling


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date (RFC 9110); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Transient(Exception):
    """A try that failed in a way a later try may not: what happened, and the server's Retry-After."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class Getter:
    """GETs through ``client`` under ``policy``; :meth:`close` stops every retry still waiting."""

    def __init__(self, client: httpx.Client, policy: NetPolicy) -> None:
        self.client, self.policy = client, policy
        self._stopped = threading.Event()

    def close(self) -> None:
        # A run that is over must not wait at exit for workers sleeping before their next try.
        self._stopped.set()

    def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.retrying(url, lambda: self._once(url, headers))

    def retrying(self, url: str, call: Callable[[], T]) -> T:
        """``call()``, tried again under the policy's tries and backoff while it fails in a way a later try may
        not: a status of RETRY_STATUSES (raised by :meth:`stream`), a dropped connection, a timeout."""
        tries = self.policy.retries + 1
        for attempt in range(1, tries + 1):
            if self._stopped.is_set():
                raise IndexUnavailable("the run ended before this fetch finished")
            try:
                return call()
            except _Transient as exc:
                failure = exc
            except TRANSIENT_ERRORS as exc:  # from a body read by the caller (``_once`` converts its own)
                if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                    raise
                failure = _Transient(f"{type(exc).__name__}: {redact_text(str(exc)) or 'no details'}")
            if attempt < tries:
                delay = (self.policy.backoff or backoff_delay)(attempt, failure.retry_after)
                self._stopped.wait(max(0.0, delay))
        raise IndexUnavailable(
            f"could not read {redact_url(url)} after {tries} {'try' if tries == 1 else 'tries'} (last: "
            f"{failure.reason}): the index or the network is failing; retry later, raise --retries or "
            "--timeout, check --index-url (or WHEELPIN_INDEX_URL / PIP_INDEX_URL), or run with --offline to "
            "use only the cache."
        )

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[httpx.Response]:
        """A streamed GET whose body the caller reads (an sdist), for :meth:`retrying`: a status worth another
        try is raised as one."""
        with self.client.stream("GET", url, timeout=self.policy.timeout, follow_redirects=True) as response:
            if response.status_code in RETRY_STATUSES:
                raise _Transient(f"HTTP {response.status_code}", parse_retry_after(response.headers.get("retry-after")))
            yield response

    def _once(self, url: str, headers: dict[str, str] | None) -> httpx.Response:
        started = time.monotonic()
        try:
            with self.client.stream("GET", url, headers=headers, timeout=self.policy.timeout,
                                    follow_redirects=True) as response:
                if response.status_code in RETRY_STATUSES:
                    raise _Transient(f"HTTP {response.status_code}",
                                     parse_retry_after(response.headers.get("retry-after")))
                # An error page's body is never read: only its status is used.
                body = b"" if response.status_code >= 400 else self._body(response, started)
        except httpx.TooManyRedirects:
            raise IndexUnavailable(
                f"{redact_url(url)} redirects in a loop (more than {MAX_REDIRECTS} redirects): the index or a "
                "proxy in front of it is misconfigured; check --index-url, or use another index."
            ) from None
        except TRANSIENT_ERRORS as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):  # the same certificate on every try: say so at once
                raise IndexUnavailable(
                    f"the TLS certificate of {redact_url(url)} could not be verified ({redact_text(str(exc))}): "
                    "behind a proxy that re-signs TLS, give its CA bundle as pip takes it (PIP_CERT or pip's "
                    "config `cert`, REQUESTS_CA_BUNDLE) or SSL_CERT_FILE."
                ) from None
            raise _Transient(f"{type(exc).__name__}: {redact_text(str(exc)) or 'no details'}") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL: a page's URL with a control character
            raise IndexUnavailable(
                f"could not read {redact_url(url)} ({type(exc).__name__}: {redact_text(str(exc))}): check "
                "--index-url (or WHEELPIN_INDEX_URL / PIP_INDEX_URL)."
            ) from None
        kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _BODY_HEADERS]
        return httpx.Response(response.status_code, headers=kept, content=body, request=response.request)

    def _body(self, response: httpx.Response, started: float) -> bytes:
        """The decoded body, read in chunks against the size cap and the deadline."""
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_big(response, f"it announces {int(declared):,} bytes")
        # Into one growing buffer, not a list of chunks joined at the end: getvalue() hands over the buffer
        # itself (CPython shrinks it in place), so a 20 MB page costs 20 MB, not twice that while joined.
        body = io.BytesIO()
        received = 0
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > limit:
                raise self._too_big(response, f"more than {limit:,} bytes arrived")
            elapsed = time.monotonic() - started
            if elapsed > self.policy.deadline(received):
                raise _Transient(f"too slow: {received:,} bytes in {elapsed:.1f} s")
            body.write(chunk)
        return body.getvalue()

    def _too_big(self, response: httpx.Response, what: str) -> IndexUnavailable:
        return IndexUnavailable(
            f"{redact_url(str(response.url))} is larger than any index page or metadata file should be ({what}; "
            f"the limit is {self.policy.max_bytes:,}): the index or a proxy is misbehaving; check --index-url, "
            "or raise WHEELPIN_MAX_RESPONSE_BYTES if this index really serves such files."
        )


def tls_context() -> ssl.SSLContext | bool:
    """The TLS verification pip would use (config.ca_bundle, client_cert); True: the HTTP client's default,
    which reads SSL_CERT_FILE / SSL_CERT_DIR itself.  A bundle that cannot be loaded is an input error, not a
    failing network: retrying would not help."""
    bundle, cert = ca_bundle(), client_cert()
    if bundle is None and cert is None:
        return True
    try:
        if bundle is None:
            context = ssl.create_default_context()
        elif os.path.isdir(bundle):
            context = ssl.create_default_context(capath=bundle)
        else:
            context = ssl.create_default_context(cafile=bundle)
        if cert is not None:
            context.load_cert_chain(cert)
    except (OSError, ssl.SSLError) as exc:
        raise InputError(
            f"the TLS certificate settings (PIP_CERT / pip's cert, REQUESTS_CA_BUNDLE, PIP_CLIENT_CERT) name "
            f"{bundle or cert}, which cannot be loaded ({exc}): point them at a PEM file or directory that exists."
        ) from None
    return context


def make_client(policy: NetPolicy | None = None, *, lookups: Lookups | None = None) -> httpx.Client:
    timeout = (policy or NetPolicy()).timeout
    context = tls_context()
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    # Through a proxy httpx builds its own transports from the environment (and the proxy looks hosts up);
    # NO_PROXY alone ("no") names no proxy.
    direct = not any(scheme != "no" for scheme in urllib.request.getproxies())
    return httpx.Client(
        verify=context,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        limits=limits,
        trust_env=True,
        transport=direct_transport(context, limits, lookups or Lookups()) if direct else None,
    )


def direct_transport(verify: ssl.SSLContext | bool, limits: httpx.Limits, lookups: Lookups) -> httpx.HTTPTransport:
    """httpx's transport, with a connection pool that looks each host up once (:mod:`.lookups`).  httpx
    takes no network backend, so its pool is replaced by one built the way httpx builds it."""
    context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
    transport = httpx.HTTPTransport(verify=context, limits=limits)
    if isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):
        transport._pool = httpcore.ConnectionPool(  # noqa: SLF001 - see above; tested against httpx's layout
            ssl_context=context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=LookupBackend(lookups))
    return transport
