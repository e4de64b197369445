"""Core metadata: METADATA / PKG-INFO headers, and an sdist's static metadata (PEP 643 or ``[project]``).

Nothing here runs code from the archive: an sdist whose dependencies are not static is refused.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from email.parser import BytesHeaderParser

from packaging.utils import InvalidSdistFilename, parse_sdist_filename
from packaging.version import InvalidVersion, Version

from wheelpin._toml import loads_toml
from wheelpin.errors import DynamicMetadata, MetadataError
from wheelpin.models import CoreMetadata


def parse_core_metadata(raw: bytes, where: str) -> CoreMetadata:
    """METADATA / PKG-INFO bytes → the fields the resolver needs."""
    message = BytesHeaderParser().parsebytes(raw)
    name, version = message.get("Name"), message.get("Version")
    if not name or not version:
        raise MetadataError(
            f"the metadata of {where} has no Name or Version header: the file is damaged; retry with "
            "--refresh, or exclude this version with a constraint."
        )
    return CoreMetadata(
        name=str(name), version=str(version),
        requires_dist=tuple(str(r) for r in message.get_all("Requires-Dist") or ()),
        requires_python=str(message["Requires-Python"]) if message.get("Requires-Python") else None,
        provides_extra=tuple(str(e) for e in message.get_all("Provides-Extra") or ()),
        dynamic=tuple(str(d).lower() for d in message.get_all("Dynamic") or ()),
    )



def sdist_metadata(archive: bytes, filename: str) -> CoreMetadata:
    """Static metadata of an sdist: PKG-INFO 2.2+ (PEP 643) or the pyproject.toml ``[project]`` table.

    Raises DynamicMetadata when the dependencies are dynamic: finding them would need a build backend to run,
    which wheelpin never does.
    """
    members = _sdist_top_files(archive, filename)
    pkg_info = members.get("PKG-INFO")
    if pkg_info is not None:
        meta = parse_core_metadata(pkg_info, filename)
        version = _metadata_version(pkg_info)
        if version >= Version("2.2") and "requires-dist" not in meta.dynamic:
            return meta
    pyproject = members.get("pyproject.toml")
    if pyproject is not None:
        meta_from_toml = _pyproject_metadata(pyproject, filename)
        if meta_from_toml is not None:
            return meta_from_toml
    raise DynamicMetadata(
        f"{filename}: the sdist does not declare its dependencies statically (no PKG-INFO 2.2+ without "
        "'Dynamic: Requires-Dist', no static [project].dependencies in pyproject.toml); finding them would "
        "mean running its build backend, which wheelpin never does. Pin a version that ships wheels, or drop "
        "--allow-source for this package."
    )


def _metadata_version(raw: bytes) -> Version:
    value = BytesHeaderParser().parsebytes(raw).get("Metadata-Version", "1.0")
    try:
        return Version(str(value))
    except InvalidVersion:
        return Version("1.0")


def _sdist_top_files(archive: bytes, filename: str) -> dict[str, bytes]:
    wanted = {"PKG-INFO", "pyproject.toml"}
    found: dict[str, bytes] = {}
    try:
        if filename.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(archive)) as zf:
                for name in zf.namelist():
                    parts = name.split("/")
                    if len(parts) == 2 and parts[1] in wanted:
                        found[parts[1]] = zf.read(name)
        else:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tf:
                for member in tf:
                    parts = member.name.split("/")
                    if len(parts) == 2 and parts[1] in wanted and member.isfile():
                        extracted = tf.extractfile(member)
                        if extracted is not None:
                            found[parts[1]] = extracted.read()
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise MetadataError(f"{filename}: the sdist archive could not be read ({exc}).") from None
    return found


def _pyproject_metadata(raw: bytes, filename: str) -> CoreMetadata | None:
    try:
        project = loads_toml(raw.decode("utf-8")).get("project")
    except ValueError:
        return None
    if not isinstance(project, dict) or "dependencies" in project.get("dynamic", ()):
        return None
    # A dynamic version (setuptools-scm and friends) does not hide the dependencies: take it from the file.
    name, version = str(project.get("name", "")), str(project.get("version", ""))
    if not version or not name:
        try:
            parsed_name, parsed_version = parse_sdist_filename(filename)
        except InvalidSdistFilename:
            return None
        name, version = name or parsed_name, version or str(parsed_version)
    requires = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    if "optional-dependencies" in project.get("dynamic", ()):
        extras = {}
    for extra, reqs in extras.items():
        for req in reqs:
            requirement, _, marker = str(req).partition(";")
            condition = f'({marker.strip()}) and extra == "{extra}"' if marker.strip() else f'extra == "{extra}"'
            requires.append(f"{requirement.strip()}; {condition}")
    return CoreMetadata(
        name=name, version=version,
        requires_dist=tuple(requires), requires_python=project.get("requires-python"),
        provides_extra=tuple(extras),
    )

