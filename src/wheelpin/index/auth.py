"""Credentials for the index, as pip finds them: in the index URL, in ``~/.netrc``, or from ``keyring``.
[network only, and the keyring CLI]

They are taken out of the URLs once (:func:`.credentials.split_credentials`) and added to each request's
headers by :class:`IndexAuth`, for the host they were given for, so that no URL wheelpin keeps — in a
message, a cache key, a cached page's file links, a lock — ever holds a secret.  ``keyring`` is off by
default, as in uv; ``--keyring-provider subprocess`` asks the ``keyring`` command as pip's subprocess
provider does (with the user name the URL gives: ``keyring get <index URL> <user>``, then
``keyring get <host> <user>``).
"""

from __future__ import annotations

import base64
import netrc
import os
import subprocess
import threading
from collections.abc import Generator
from pathlib import Path

import httpx

from wheelpin.index.credentials import Credentials, netloc_key

# A keyring backend that prompts or hangs must not hold the run for long.
KEYRING_TIMEOUT = 30.0


class IndexAuth(httpx.Auth):
    """Basic auth per host: the URL's credentials, else ``.netrc``'s, else keyring's (when a user name is known
    and a keyring command is given), else the URL's user name alone (a token given as the user name)."""

    def __init__(self, given: dict[str, tuple[str, Credentials]], *, keyring: str | None = None,
                 netrc_file: str | os.PathLike[str] | None = None) -> None:
        self._given = given
        self._keyring = keyring
        self._netrc_file = netrc_file
        self._lock = threading.Lock()
        self._found: dict[str, Credentials | None] = {}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "Authorization" not in request.headers:
            found = self.credentials(request.url.host, request.url.port, request.url.scheme)
            if found is not None:
                user, password = found
                token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
                request.headers["Authorization"] = f"Basic {token}"
        yield request

    def credentials(self, host: str, port: int | None, scheme: str) -> Credentials | None:
        key = netloc_key(host, port, scheme)
        with self._lock:  # a keyring call once per host, however many threads ask
            if key not in self._found:
                self._found[key] = self._lookup(key, host)
            return self._found[key]

    def _lookup(self, key: str, host: str) -> Credentials | None:
        url, (user, password) = self._given.get(key, ("", ("", None)))
        if password is not None:
            return user, password
        from_netrc = self._from_netrc(host)
        if from_netrc is not None and (not user or from_netrc[0] == user):
            return from_netrc
        if user and self._keyring:
            for service in (url, key.rsplit(":", 1)[0]):
                secret = self._from_keyring(service, user)
                if secret is not None:
                    return user, secret
        return (user, None) if user else None

    def _from_netrc(self, host: str) -> Credentials | None:
        path = self._netrc_file or os.environ.get("NETRC") or Path.home() / ".netrc"
        try:
            found = netrc.netrc(os.fspath(path)).authenticators(host)
        except (OSError, netrc.NetrcParseError):
            return None  # no netrc, or one pip would not read either
        if found is None:
            return None
        login, _account, password = found
        return login, password

    def _from_keyring(self, service: str, user: str) -> str | None:
        assert self._keyring is not None
        try:
            done = subprocess.run([self._keyring, "get", service, user], stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=KEYRING_TIMEOUT,
                                  env={**os.environ, "PYTHONIOENCODING": "utf-8"}, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode != 0:
            return None
        secret = done.stdout.decode("utf-8", "replace").strip("\r\n")
        return secret or None
