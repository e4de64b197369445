"""Resolution → a PEP 751 ``pylock.toml``, built and validated with :mod:`packaging.pylock`.  [pure]

PEP 751 (https://peps.python.org/pep-0751/) names the file ``pylock.toml`` or ``pylock.<name>.toml``; a
package lists ``wheels`` (each with ``name``, ``url``, ``size``, ``upload-time`` and ``hashes``) and at most
one ``sdist``.  wheelpin writes only the target's wheels, so an installer reading the lock can never fall back
to a build, and an ``sdist`` only for a package ``--allow-source`` let fall back to one.  ``environments``
holds the one target the lock was made for, as markers, so an installer on another Python or platform
refuses the lock rather than installing wheels that do not fit; the platform tag, which markers cannot say
(glibc level, musl), goes under ``[tool.wheelpin]``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import tomli_w
from packaging.markers import Marker
from packaging.pylock import Package, PackageSdist, PackageWheel, Pylock
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from wheelpin import __version__
from wheelpin.errors import InputError
from wheelpin.models import DistFile, Pin, Resolution
from wheelpin.target import Target


def target_marker(target: Target) -> Marker:
    """The environment markers of ``target``: its interpreter, its Python (the full version only when the
    user gave a patch) and its platform as ``sys_platform`` and ``platform_machine`` report it."""
    python = (f"python_full_version == '{target.python_full_version}'" if target.patch is not None
              else f"python_version == '{target.python_version}'")
    platform = target.platform
    return Marker(f"implementation_name == 'cpython' and {python} and sys_platform == '{platform.sys_platform}'"
                  f" and platform_machine == '{platform.platform_machine}'")


def build_pylock(resolution: Resolution, *, index_of: Callable[[str], str], command: str) -> Pylock:
    """The lock as :class:`packaging.pylock.Pylock`, validated; ``index_of(name)`` is the simple-API URL of
    the index that served the package (PEP 751 ``packages.index``)."""
    target = resolution.target
    packages = [_package(pin, index_of(pin.name)) for pin in sorted(resolution.pins, key=lambda p: p.name)]
    lock = Pylock(
        lock_version=Version("1.0"),
        created_by="wheelpin",
        requires_python=SpecifierSet(f"=={target.python_version}.*" if target.patch is None
                                     else f"=={target.python_full_version}"),
        environments=[target_marker(target)],
        packages=packages,
        tool={"wheelpin": {
            "version": __version__,
            "command": command,
            "python": target.python_version,
            "python-full-version": target.python_full_version,
            "platform": target.platform.tag,
            "accepts": list(target.platform.compatible_tags),
        }},
    )
    lock.validate()  # packaging's reader must accept what we write: every field as PEP 751 defines it
    return lock


def pylock_lines(resolution: Resolution, *, index_of: Callable[[str], str], command: str) -> list[str]:
    """The TOML text of :func:`build_pylock`'s document, as lines for :func:`wheelpin.lockfile.write_atomic`."""
    document = build_pylock(resolution, index_of=index_of, command=command).to_dict()
    return tomli_w.dumps(document).splitlines()


def _package(pin: Pin, index: str) -> Package:
    files = pin.choice.wheels
    sdist = pin.choice.sdist if pin.from_source else None
    if any(f.sha256 is None for f in (*files, *([sdist] if sdist else []))):
        # PEP 751 requires hashes for every file; a lock without them could not be verified on install.
        raise InputError(f"cannot write a pylock.toml: the index gives no sha256 for {pin.name} {pin.version}'s "
                         "files, and PEP 751 requires one; write a requirements .txt instead, e.g. "
                         "-o requirements-lock.txt.")
    return Package(
        name=pin.name,
        version=pin.version,
        index=_public_url(index),
        wheels=[PackageWheel(name=f.filename, url=_public_url(f.url), size=f.size,
                             upload_time=_upload_time(f), hashes={"sha256": f.sha256 or ""})
                for f in ([] if pin.from_source else files)] or None,
        sdist=None if sdist is None else PackageSdist(
            name=sdist.filename, url=_public_url(sdist.url), size=sdist.size, upload_time=_upload_time(sdist),
            hashes={"sha256": sdist.sha256 or ""}),
    )


def _upload_time(file: DistFile) -> datetime | None:
    if not file.upload_time:
        return None
    try:
        return datetime.fromisoformat(file.upload_time.replace("Z", "+00:00"))
    except ValueError:
        return None  # optional in PEP 751: a time the index spells oddly is left out, not guessed


def _public_url(url: str) -> str:
    """``url`` without user:password: a lock is committed and shared, and installers take credentials from
    their own configuration (keyring, netrc, environment)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
