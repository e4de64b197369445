"""Where the package index is: the same answer the installer would give.  [reads env and config files]

Order: ``--index-url``; an ``--index-url`` line in a requirements file; ``WHEELPIN_INDEX_URL``;
``UV_DEFAULT_INDEX`` / ``UV_INDEX_URL``; ``PIP_INDEX_URL``; pip's configuration files; pip's built-in
default (asked of pip itself, so no index host name lives in this code).
"""

from __future__ import annotations

import configparser
import ipaddress
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import platformdirs

from wheelpin.errors import InputError


def index_urls(*, cli_index_url: str | None, cli_extra: Sequence[str] = (), file_index_url: str | None = None,
               file_extra: Sequence[str] = ()) -> list[str]:
    """The primary index first, then the extra ones (consulted in order; the first that has a project wins)."""
    primary = (cli_index_url or file_index_url or os.environ.get("WHEELPIN_INDEX_URL")
               or os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL")
               or os.environ.get("PIP_INDEX_URL") or _pip_config("index-url") or pip_default_index())
    # pip lets PIP_EXTRA_INDEX_URL replace the config files' extra-index-url rather than add to it.
    pip_extra = os.environ.get("PIP_EXTRA_INDEX_URL") or _pip_config("extra-index-url") or ""
    extras = [*cli_extra, *file_extra, *pip_extra.split()]
    urls: list[str] = []
    for url in [primary, *extras]:
        # pip accepts file:// indexes; an HTTP client cannot read them, and skipping them is what the
        # user wants on machines whose pip.conf points at a local wheel directory.
        if url.startswith(("http://", "https://")) and url not in urls:
            urls.append(url)
    if not urls:
        raise InputError(f"the index URL {redact_url(primary)!r} is not an http(s) URL: pass --index-url "
                         "https://…/simple.")
    return urls


def env_int(variable: str, *, minimum: int) -> int | None:
    """An integer setting from the environment (None when unset); a bad value is an input error naming it."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise InputError(f"{variable}={raw!r} is not a whole number of at least {minimum}: fix or unset it.")
    return value


def env_seconds(variable: str) -> float | None:
    """A positive number of seconds from the environment (None when unset)."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise InputError(f"{variable}={raw!r} is not a positive number of seconds: fix or unset it.")
    return value


def trusted_hosts(cli: Sequence[str] = ()) -> list[str]:
    """Hosts whose plain-http index is accepted: ``--trusted-host``, ``PIP_TRUSTED_HOST``, pip's
    ``trusted-host`` config, uv's ``UV_INSECURE_HOST`` (each a whitespace-separated list, as pip reads it)."""
    found = [*cli, *os.environ.get("PIP_TRUSTED_HOST", "").split(), *(_pip_config("trusted-host") or "").split(),
             *os.environ.get("UV_INSECURE_HOST", "").split()]
    return [host.strip().lower() for host in found if host.strip()]


def refuse_plain_http(urls: Sequence[str], trusted: Sequence[str]) -> None:
    """Refuse an ``http://`` index on a host neither loopback nor trusted, as pip does: anyone on the network
    path could change the pages, and with them the hashes the lock says to trust."""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme != "http":
            continue
        host = (parts.hostname or "").lower()
        if _is_loopback(host) or host in trusted or (parts.port and f"{host}:{parts.port}" in trusted):
            continue
        raise InputError(
            f"the index {redact_url(url)} is plain http, so anyone on the network could change what it says: use "
            f"https, or pass --trusted-host {host} (or set PIP_TRUSTED_HOST) if you trust that network."
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ca_bundle() -> str | None:
    """The CA bundle (file or directory) pip would verify the index's TLS with: PIP_CERT, else pip's config
    ``cert``, else REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (which pip's HTTP stack honours too).  None: the system's
    (and SSL_CERT_FILE / SSL_CERT_DIR, which the HTTP client reads itself).  A build machine behind a TLS proxy
    that re-signs traffic sets one of these for pip; wheelpin must work there too."""
    for value in (os.environ.get("PIP_CERT"), _pip_config("cert"), os.environ.get("REQUESTS_CA_BUNDLE"),
                  os.environ.get("CURL_CA_BUNDLE")):
        if value:
            return os.path.expanduser(value)
    return None


def client_cert() -> str | None:
    """pip's client certificate (PIP_CLIENT_CERT or config ``client-cert``): a PEM with the key in it."""
    value = os.environ.get("PIP_CLIENT_CERT") or _pip_config("client-cert")
    return os.path.expanduser(value) if value else None


def redact_url(url: str) -> str:
    """The URL with any password (or token given as user name) replaced by ****, for messages and lock headers."""
    parts = urlsplit(url)
    if not parts.username and not parts.password:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:****" if parts.password else "****"
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


def redact_text(text: str) -> str:
    """Every URL with credentials in ``text`` redacted (for a command line kept in a lock's header)."""
    return re.sub(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"]+", lambda m: redact_url(m.group(0)), text)


def pip_default_index() -> str:
    try:
        from pip._internal.models.index import PyPI
    except ImportError:
        raise InputError(
            "no package index is configured and pip is not installed to tell its default: pass "
            "--index-url URL, or set WHEELPIN_INDEX_URL or PIP_INDEX_URL."
        ) from None
    return str(PyPI.simple_url)


def _pip_config_files() -> list[Path]:
    if os.environ.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    # pip's order, lowest priority first: global (XDG dirs, then /etc/pip.conf), user, site, PIP_CONFIG_FILE.
    files = [*(Path(d) / "pip" / "pip.conf" for d in os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")),
             Path("/etc/pip.conf")]
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if not (env_file and Path(env_file).exists()):  # pip skips the user files when PIP_CONFIG_FILE exists
        files += [Path.home() / ".pip" / "pip.conf", Path(platformdirs.user_config_dir("pip")) / "pip.conf"]
    if sys.prefix != sys.base_prefix:
        files.append(Path(sys.prefix) / "pip.conf")
    if env_file:
        files.append(Path(env_file))
    return files


def _pip_config(key: str) -> str | None:
    """The last value pip's config files give for ``key`` in [global] or [install] (later files win)."""
    value: str | None = None
    for path in _pip_config_files():
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            if parser.has_option(section, key):
                value = parser.get(section, key)
    return value
