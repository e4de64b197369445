"""The command line's side of target detection: which directory is the project, what its deploy files say
(wheelpin.detect), which target a run uses, and saying on stderr where each part came from."""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import Version
from rich.console import Console

from wheelpin.errors import InputError
from wheelpin.inputs import decode_text
from wheelpin.presets import platform_for
from wheelpin.pythons import PythonRelease, default_pythons
from wheelpin.target import Target

if TYPE_CHECKING:
    from wheelpin.detect import DetectedTarget, Finding
    from wheelpin.report import Report

DEFAULT_PLATFORM = "manylinux"
HOST_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def say(err: Console, text: str) -> None:
    err.print(text, highlight=False, markup=False)


def platform_for_preset(name: str, err: Console) -> str:
    """The --platform value for a platform a deploy file names (a preset such as docker-slim or lambda-arm64,
    or a wheel platform tag).  A name this wheelpin cannot resolve is warned about and the default used."""
    if _known_platform(name):
        return name
    say(err, f"warning: the deploy files name the platform {name!r}, which this wheelpin has no preset for yet; "
             f"using {DEFAULT_PLATFORM} (give --platform to choose)")
    return DEFAULT_PLATFORM


def _known_platform(name: str) -> bool:
    try:
        platform_for(name, 12)  # any Python: a preset either knows the name or not
    except InputError:
        return False
    return True


def project_dir(args: argparse.Namespace) -> Path:
    """The directory whose deploy files give the target: --project, else the nearest directory that holds a
    deploy file, looking in the first -r file's directory (a positional file or directory counts too; for
    check and report --lock, the lock's) and then its parents (nearest_project), else the working directory."""
    if getattr(args, "project", None):
        path = Path(args.project)
        if not path.is_dir():
            raise InputError(f"--project {args.project}: not a directory; give the directory that holds the "
                             "deploy files (Dockerfile, runtime.txt, render.yaml…).")
        return path
    start = _input_dir(args)
    return Path(".") if start is None else nearest_project(start)


def _input_dir(args: argparse.Namespace) -> Path | None:
    """The directory of the first input file (or the first input directory), None when there is none."""
    candidates = [*getattr(args, "requirement", []), *getattr(args, "requirements", [])]
    if getattr(args, "lockfile", None):
        candidates.append(args.lockfile)
    for item in candidates:
        path = Path(item)
        if path.is_dir():
            return path
        if path.is_file() or item is getattr(args, "lockfile", None) or item in getattr(args, "requirement", []):
            return path.parent
    return None


def nearest_project(start: Path) -> Path:
    """The nearest of ``start`` and its parents that holds a deploy file (SAM keeps template.yaml at the top
    and the requirements in src/).  The search stops at the working directory when ``start`` is under it, and
    at a repository's top (a directory with .git) in any case; outside the working directory and any
    repository only ``start`` itself is read, so that no stray file above an unrelated checkout is taken.
    Without a deploy file on the way, ``start``: its pyproject.toml may still bound the report's Pythons.
    Under the working directory the result is relative to it."""
    from wheelpin.detect import has_deploy_files  # imported on use: a warm resolve never needs it

    cwd = Path(os.getcwd())
    here = Path(os.path.abspath(start))
    chain = [here, *here.parents]
    stop = next((i for i, d in enumerate(chain) if d == cwd or (d / ".git").exists()), None)
    for directory in chain[: 1 if stop is None else stop + 1]:
        if has_deploy_files(directory):
            return _from_cwd(directory, cwd)
    return start


def _from_cwd(directory: Path, cwd: Path) -> Path:
    try:
        return directory.relative_to(cwd)
    except ValueError:
        return directory


def fill_target(args: argparse.Namespace, err: Console, *, python_default: str | None) -> DetectedTarget | None:
    """Set args.python and args.platform where the command line left them out: from the project's deploy
    files, else ``python_default`` and the default platform; says where each came from.  With
    ``python_default`` None (report), args.python stays None: the report keeps its whole matrix and marks the
    detected Python's row (report_pythons).  Nothing is read when both were given."""
    if args.python is not None and args.platform is not None:
        return None
    from wheelpin.detect import detect_target  # imported on use: a run given its whole target reads no deploy file

    detected = detect_target(project_dir(args))
    used = (args.python is None and detected.python) or (args.platform is None and detected.platform)
    if used and detected.project.is_absolute():
        # Outside the working directory the files are named relative to their directory: name it once.
        say(err, f"target: deploy files read from {_dir(detected)}")
    for warning in detected.warnings:
        say(err, f"warning: {warning}")
    if args.python is None:
        python = detected.python
        if python_default is not None:
            args.python = python.value if python else python_default
        _tell(err, "Python", python, detected.disagreeing_pythons())
    if args.platform is None:
        platform = detected.platform
        _tell(err, "platform", platform, detected.disagreeing_platforms())
        args.platform = platform_for_preset(platform.value, err) if platform else DEFAULT_PLATFORM
    return detected


def report_pythons(detected: DetectedTarget | None, releases: list[PythonRelease], err: Console) -> list[str]:
    """The report's default rows: every supported CPython, within the project's requires-python (and
    Pipfile) bounds, with the detected deploy Python's row in its exact version (3.11.9 if the file says so),
    added when the bounds or the support window leave it out."""
    rows = [r for r in default_pythons(releases)]
    bounds = detected.bounds if detected else ()
    for bound in bounds:
        rows = [r for r in rows if _admits(bound.value, r)]
        if not rows:
            raise InputError(f"{bound.where}: {bound.text} admits none of the supported CPythons "
                             f"({', '.join(r.version for r in default_pythons(releases))}); fix the bound, or give "
                             "--python with the versions to report on.")
    if bounds:
        say(err, f"target: report rows {rows[0].version}-{rows[-1].version}, within "
                 + "; ".join(str(b) for b in bounds))
    versions = [r.version for r in rows]
    deployed = deployed_python(detected)
    if deployed is None:
        return versions
    minor = ".".join(deployed.split(".")[:2])
    if minor in versions:
        versions[versions.index(minor)] = deployed
    else:
        versions = sorted([*versions, deployed], key=lambda v: tuple(int(p) for p in v.split(".")))
    return versions


def deployed_python(detected: DetectedTarget | None) -> str | None:
    return detected.python.value if detected is not None and detected.python is not None else None


def _admits(specifier: str, release: PythonRelease) -> bool:
    """Whether some patch of the release is admitted: its .0, or its newest patch when known."""
    spec = SpecifierSet(specifier)
    patches = [0] if release.newest_patch is None else [0, release.newest_patch]
    return any(spec.contains(Version(f"3.{release.minor}.{p}"), prereleases=True) for p in patches)


def mark_deployed(report: Report, detected: DetectedTarget | None, python_given: bool) -> Report:
    """The report with the deployed row marked: its exit code then follows that row alone."""
    deployed = None if python_given else deployed_python(detected)
    return replace(report, deployed=deployed) if deployed else report


def _dir(detected: DetectedTarget) -> str:
    return os.fspath(detected.project)


def _tell(err: Console, what: str, used: Finding | None, others: list[Finding]) -> None:
    # Silent when no deploy file names anything: the defaults are what pip and uv use, and a line on every
    # run of every project without deploy files would be noise.
    if used is None:
        return
    say(err, f"target: {what} {used.value} from {used}")
    for other in others:
        say(err, f"note: {other} says {what} {other.value}; using {used.value} from {used.where}, which comes "
                 "first (flags, then the deploy manifest, then runtime.txt, .python-version, .tool-versions)")


def use_project_requirements(args: argparse.Namespace, err: Console) -> None:
    """A bare ``wheelpin report`` (or resolve) reads the project's requirements.txt, else its pyproject.toml,
    as pip-compile and uv read the project they are run in."""
    if args.requirement or args.requirements:
        return
    project = project_dir(args)
    for name, into in (("requirements.txt", args.requirement), ("pyproject.toml", args.requirements)):
        path = project / name
        if path.is_file():
            into.append(os.fspath(path))
            say(err, f"input: {os.fspath(path)} (no requirements were given)")
            return


_LOCK_TARGET_RE = re.compile(r"^# target: CPython (\S+?)(t \(free-threaded\))? "
                             r"\(requires-python checked against (\S+)\), platform (\S+)$")


def note_lock_target(path: str, target: Target, err: Console) -> None:
    """Say so when a lock's header records another target than the one it is checked for (a lock made for
    3.11 checked against the 3.12 the Dockerfile names is worth knowing about, not an error)."""
    try:
        with open(path, "rb") as handle:
            head = decode_text(handle.read(), path).splitlines()[:40]  # UTF-16 too, as check reads it
    except (OSError, InputError):
        return  # check itself reports an unreadable lock, with its file and line
    recorded = [m for line in head if (m := _LOCK_TARGET_RE.match(line))]
    # A lock made for several targets records each: it was made for this one if any of them is it.
    if recorded and not any(m[1] == target.python_version and bool(m[2]) == target.freethreaded
                            and m[4] == target.platform.tag for m in recorded):
        made = "; ".join(f"CPython {m[1]}{m[2] or ''} on {m[4]}" for m in recorded)
        say(err, f"note: {path}'s header says it was made for {made}; checking it for {target}")


def run_target(args: argparse.Namespace) -> int:
    """``wheelpin target``: what the project's files name, where, and what disagrees."""
    from wheelpin.detect import detect_target  # imported on use, as in fill_target

    detected = detect_target(project_dir(args))
    out = Console(highlight=False, soft_wrap=True)
    lines = [f"project: {_dir(detected)}"]
    for what, used, others in (("python", detected.python, detected.disagreeing_pythons()),
                               ("platform", detected.platform, detected.disagreeing_platforms())):
        if used is None:
            fallback = (f"{HOST_PYTHON} for resolve and check (the running interpreter's), every supported CPython "
                        "for report" if what == "python" else DEFAULT_PLATFORM)
            lines.append(f"{what}: no deploy file names one; wheelpin uses {fallback}")
            continue
        lines.append(f"{what}: {used.value} from {used}")
        lines += [f"  disagrees: {other} says {other.value} (not used: {used.where} comes first)" for other in others]
    lines += [f"report rows bounded by: {bound}" for bound in detected.bounds]
    lines += [f"warning: {warning}" for warning in detected.warnings]
    for line in lines:
        out.print(line, markup=False)
    return 0
