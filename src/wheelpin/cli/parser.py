"""The argument parser: commands, options and their help."""

from __future__ import annotations

import argparse
import sys

from wheelpin import __version__
from wheelpin.cli.completion import add_completion_parser
from wheelpin.cli.options import WheelpinParser, add_shared_options
from wheelpin.index import DEFAULT_TTL, NetPolicy
from wheelpin.platforms import PRESETS
from wheelpin.presets import DEPLOY_PRESETS

PYTHON_HELP = (
    "target CPython version, e.g. 3.11 or 3.11.9, or 3.13t for the free-threaded build (cp313t wheels, no "
    "abi3) (default: the one the project's deploy files name, see "
    "'wheelpin target'; else the running interpreter's X.Y). A version without "
    "a patch number stands for X.Y.0 when checking requires-python and python_full_version markers (as pip's "
    "and uv's --python-version do); give X.Y.Z to check the patch you deploy, e.g. when a project excludes "
    "early patches with requires-python '!=3.9.0,!=3.9.1'."
)
PLATFORM_HELP = (
    "target platform: a deploy platform (" + ", ".join(DEPLOY_PRESETS) + "), whose tag may depend on the "
    "Python ('wheelpin targets' shows each, and the Pythons it offers); a tag preset ("
    + ", ".join(f"{k}={v}" for k, v in PRESETS.items() if k not in DEPLOY_PRESETS) + "); either with an "
    "architecture suffix if you like (lambda-arm64, docker-slim-aarch64, linux/arm64); or a wheel platform tag "
    "such as manylinux_2_17_x86_64, manylinux2014_aarch64, musllinux_1_2_x86_64, macosx_11_0_arm64, win_amd64 "
    "(default: the one the project's deploy files name, else manylinux)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = WheelpinParser(
        prog="wheelpin",
        description="Pin requirements to versions that ship prebuilt wheels for a deploy target.",
    )
    parser.add_argument("--version", action="version", version=f"wheelpin {__version__}")
    add_shared_options(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=argparse.ArgumentParser)
    _resolve_parser(commands)
    _report_parser(commands)
    _check_parser(commands)
    _fix_parser(commands)
    _why_parser(commands)
    commands.add_parser("targets", help="list the --platform presets: what each stands for, its tag per Python",
                        description="Print every --platform preset: the platform it stands for, the wheel "
                                    "platform tag it means for each Python, the Pythons it offers and its "
                                    "architectures. Sources and dates: docs/targets.md.")
    _detect_parser(commands)
    add_completion_parser(commands)
    for command in commands.choices.values():
        add_shared_options(command)
    return parser


def _detect_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tgt = commands.add_parser("target", help="the deploy target the project's files name, and where each part "
                                             "comes from",
                              description="Print the Python and platform that resolve, report and check take from "
                                          "the project directory when --python / --platform are not given, the "
                                          "file and line each comes from, the files that disagree, and the "
                                          "requires-python bounds of the report. Read: Dockerfile (or the one "
                                          "heroku.yml builds), render.yaml, app.yaml, app.json, template.yaml, "
                                          "serverless.yml, then runtime.txt, .python-version, .tool-versions.")
    tgt.add_argument("project", nargs="?", default=None, metavar="DIR",
                     help="the project directory (default: the working directory)")


def _resolve_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    res = commands.add_parser("resolve", help="write a lock in which every package has a wheel for the target",
                              description="Resolve requirements to a pinned, hashed lock that installs with "
                                          "wheels only on the target. Exit 0: lock written; 1: no wheel-only "
                                          "solution; 2: bad input; 3: the index could not be read.")
    _input_options(res)
    res.add_argument("-o", "--output-file", metavar="FILE",
                     help="write the lock here (default: stdout); with several Pythons or platforms, a pattern "
                          "containing {python} and/or {platform} writes one lock per Python and/or platform, e.g. "
                          "'requirements-{python}.txt'. When the file is already a lock, its "
                          "pins are kept where they still fit (as pip-compile and uv do); see --upgrade")
    res.add_argument("-U", "--upgrade", action="store_true",
                     help="ignore the pins of the existing -o lock: every package moves to its newest fitting "
                          "release")
    res.add_argument("-P", "--upgrade-package", action="append", default=[], metavar="NAME",
                     help="ignore the existing -o lock's pin for this package only (repeatable); NAME==VERSION "
                          "or NAME>=X also limits its new version. Its dependencies keep their pins unless the "
                          "new version needs them to move")
    _target_options(res, python_help=PYTHON_HELP + " A list (3.11,3.13) or range (3.11-3.13) writes one lock "
                     "valid on every one of them, or one lock per Python when -o contains {python}.")
    _index_options(res)


def _report_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rep = commands.add_parser("report", help="which Pythons install with wheels only, what blocks the rest",
                              description="For each Python: can the requirements install with wheels only? "
                                          "If not, every blocker, the chain that forces it and the smallest "
                                          "verified fix; Pythons the project's own requires-python excludes are "
                                          "shown as excluded. Exit 0: at least one Python is clean; 1: none; 2: "
                                          "bad input, or every Python excluded; 3: the index could not be read.")
    _input_options(rep, locks=True)
    rep.add_argument("--lock", metavar="LOCKFILE",
                     help="report on this lock's versions as they are (any format check reads; a positional "
                          "*.lock or pylock.toml name works too) instead of resolving requirements")
    rep.add_argument("--format", choices=("table", "markdown", "json", "github"), default="table",
                     help="table (default), markdown (for $GITHUB_STEP_SUMMARY / PR comments), json "
                          "(schema in docs/report.schema.json) or github: the table, ::error annotations on the "
                          "requirement lines that block, and the markdown appended to $GITHUB_STEP_SUMMARY")
    rep.add_argument("--no-classify", action="store_true",
                     help="do not read the blockers' sdists to say what a source build would need (rust, c, "
                          "pure Python…); each sdist is streamed once, up to 20 MiB, and its verdict cached")
    rep.add_argument("--write-runtime", metavar="FILE",
                     help="write the recommended Python to FILE, which must be named runtime.txt (gets "
                          "python-3.X.Y), .python-version (gets 3.X) or .tool-versions (its python line becomes "
                          "python 3.X.Y; other tools' lines are kept), in any directory; an existing file is "
                          "replaced only if it holds versions only. The report prints what the platform's other "
                          "settings take (Render's PYTHON_VERSION, Lambda's runtime, a Dockerfile's FROM)")
    _target_options(rep, python_default=None, python_help=(
        "Pythons to check: a list (3.11,3.13) or range (3.10-3.15); default: every CPython from the oldest "
        "still supported to the newest stable release (per 'uv python list', run with the uv wheelpin depends "
        "on). Free-threaded builds are rows only when asked for: 3.13,3.13t. Versions without a patch stand for "
        "X.Y.0 in requires-python checks."))
    _index_options(rep)


def _check_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chk = commands.add_parser("check", help="does this lock install on the target with wheels only?",
                              description="Check that every pin of a lock has a wheel for the target. "
                                          "Exit 0: it does; 1: some pins have none; 2: bad input; 3: index "
                                          "unreadable.")
    chk.add_argument("lockfile", metavar="LOCKFILE",
                     help="a lock: requirements*.txt (name==version lines), pylock.toml / pylock.NAME.toml, uv.lock, "
                          "poetry.lock or Pipfile.lock (the format is read from the name, else the contents)")
    chk.add_argument("--extra", action="append", default=[], metavar="NAME",
                     help="uv.lock, poetry.lock, pylock.toml: include this extra of the project (repeatable)")
    _lock_options(chk)
    chk.add_argument("--format", choices=("table", "json", "github"), default="table",
                     help="table (default), json (schema in docs/check.schema.json) or github: the table, "
                          "::error annotations on the lock lines that fail, and a summary appended to "
                          "$GITHUB_STEP_SUMMARY")
    _target_options(chk)
    _index_options(chk)


def _lock_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--group", action="append", default=[], metavar="NAME",
                        help="uv.lock, poetry.lock, pylock.toml: also install this dependency group (repeatable); "
                             "by default only the main dependencies, as 'uv sync --no-dev' and "
                             "'poetry install --only main' install them")
    parser.add_argument("--dev", action="store_true", help="Pipfile.lock: also install its develop section")


def _fix_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fix = commands.add_parser("fix", help="apply the report's verified fix for the target to the requirement files",
                              description="Rewrite the requirements the report's verified fix changes for the "
                                          "target, in the files they are read from (an included -r file, the -c "
                                          "constraints file that bounds the package, the pyproject.toml), keeping "
                                          "every other byte, and print the diff. Exit 0: fixed (or nothing to "
                                          "fix); 1: no fix exists for this Python (the newest Python that locks "
                                          "is named); 2: bad input, or a hashed lock; 3: the index could not be "
                                          "read.")
    _input_options(fix)
    fix.add_argument("--pin", action="store_true",
                     help="write the fixing release as an == pin (pydantic==2.12.0) instead of a lower bound")
    fix.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    _target_options(fix)
    _index_options(fix)


def _why_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    why = commands.add_parser("why", help="why each release of a package is, or is not, a candidate for the target",
                              description="For the target, each release of PACKAGE (newest first) with its "
                                          "verdict: a candidate (a wheel fits), or why not (no wheel for this "
                                          "Python's ABI, or for this platform or glibc, requires-python, yanked, "
                                          "pre-release, only an sdist) and the smallest change of Python or "
                                          "platform that would make it one. The resolver's own reasons. Exit 0: "
                                          "some release shown is a candidate; 1: none is; 2: bad input; 3: the "
                                          "index could not be read.")
    why.add_argument("package", metavar="PACKAGE[==VERSION]",
                     help="a project name, optionally with a version or specifier (tiktoken==0.6.0, numpy<2)")
    why.add_argument("--all", action="store_true", help="every release, not only the newest ones")
    why.add_argument("--limit", type=int, default=10, metavar="N",
                     help="how many releases to show, newest first (default: 10)")
    why.add_argument("--pre", action="store_true", help="consider pre-releases, as resolve --pre does")
    why.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json")
    _target_options(why)
    _index_options(why)


def _input_options(parser: argparse.ArgumentParser, *, locks: bool = False) -> None:
    parser.add_argument("requirements", nargs="*", metavar="REQUIREMENT",
                        help="requirement strings (e.g. 'fastapi>=0.110'), a requirements .txt/.in file, a "
                             "pyproject.toml path, a project directory (.) or a Pipfile; other file names are "
                             "refused, never looked up on the index")
    parser.add_argument("-r", "--requirement", action="append", default=[], metavar="FILE",
                        help="a requirements.txt (repeatable; - reads standard input; a pyproject.toml or "
                             "Pipfile path also works)")
    parser.add_argument("-c", "--constraint", action="append", default=[], metavar="FILE",
                        help="a constraints file (repeatable)")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME",
                        help="include this optional-dependency group of the pyproject.toml: "
                             "[project.optional-dependencies], or [tool.poetry.extras] where Poetry holds the "
                             "dependencies (repeatable)")
    _source_options(parser, locks=locks)
    parser.add_argument("--pre", action="store_true", help="consider pre-releases")
    parser.add_argument("--allow-source", action="append", default=[], metavar="NAME",
                        help="let this package fall back to its sdist when no wheel fits (repeatable); its "
                             "dependencies must be static metadata, nothing is ever built")


def _source_options(parser: argparse.ArgumentParser, *, locks: bool) -> None:
    """--group and --dev: for requirements, a pyproject.toml's groups and a Pipfile's [dev-packages]; for a
    lock (``locks``: report --lock), the same choice of what a deploy installs, as check reads it."""
    lock_group = "; with --lock, also install this group of a uv.lock, poetry.lock or pylock.toml" if locks else ""
    lock_dev = "; with --lock, a Pipfile.lock's develop section" if locks else ""
    parser.add_argument("--group", action="append", default=[], metavar="NAME",
                        help="include this dependency group of the pyproject.toml: [dependency-groups] (PEP 735, "
                             f"include-group followed) or [tool.poetry.group.NAME]{lock_group} (repeatable)")
    parser.add_argument("--dev", action="store_true",
                        help=f"include the Pipfile's [dev-packages] as well as its [packages]{lock_dev}")


_HOST_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def _target_options(parser: argparse.ArgumentParser, *, python_default: str | None = _HOST_PYTHON,
                    python_help: str = PYTHON_HELP) -> None:
    # Left unset here: a missing --python / --platform is read from the project's deploy files first
    # (cli.detected.fill_target), and only then falls back to python_fallback and manylinux.
    parser.add_argument("--python", default=None, help=python_help)
    parser.add_argument("--platform", default=None, action=_Platforms, help=PLATFORM_HELP + _SEVERAL_PLATFORMS)
    parser.add_argument("--project", metavar="DIR",
                        help="the directory whose deploy files (Dockerfile, render.yaml, runtime.txt, …) give the "
                             "target when --python or --platform is left out (default: the nearest directory with a "
                             "deploy file, from the first -r file's, or the lock's, up to the working directory or "
                             "the repository's top; else the working directory)")
    parser.set_defaults(python_fallback=python_default, platforms=[])


_SEVERAL_PLATFORMS = (
    ". Repeatable: with several platforms (or Pythons) resolve writes one lock valid on all of them, unless -o "
    "contains {platform} or {python}; check and report judge each"
)


class _Platforms(argparse.Action):
    """``--platform`` given once keeps its meaning (``args.platform``); each one given is also kept, in order,
    in ``args.platforms``, since a lock can be made for several (argparse's "store" would keep the last)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        listed = [*(getattr(namespace, "platforms", None) or []), str(values)]
        namespace.platforms = listed
        namespace.platform = listed[0]


def _index_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("index and cache")
    group.add_argument("-i", "--index-url", metavar="URL",
                       help="simple-API index URL (default: WHEELPIN_INDEX_URL, UV_DEFAULT_INDEX, UV_INDEX_URL, "
                            "PIP_INDEX_URL, pip's config, then pip's own default)")
    group.add_argument("--extra-index-url", action="append", default=[], metavar="URL",
                       help="another index, consulted in order when earlier ones lack a project")
    group.add_argument("--trusted-host", action="append", default=[], metavar="HOST",
                       help="accept a plain-http index on this host (repeatable; also PIP_TRUSTED_HOST and pip's "
                            "trusted-host config); loopback hosts need none")
    group.add_argument("--keyring-provider", choices=("disabled", "subprocess"), default="disabled",
                       help="where to find index passwords the URL and ~/.netrc do not give: disabled (default) or "
                            "subprocess (the keyring command on PATH, asked for the URL's user name, as pip does)")
    group.add_argument("--cache-dir", metavar="DIR",
                       help="cache directory (default: WHEELPIN_CACHE_DIR or the user cache dir)")
    group.add_argument("--refresh", action="store_true", help="re-fetch project pages even if cached")
    group.add_argument("--offline", action="store_true", help="use only the cache; never touch the network")
    group.add_argument("--cache-ttl", type=float, default=DEFAULT_TTL, metavar="SECONDS",
                       help=f"how long a cached project page stays fresh (default: {DEFAULT_TTL:.0f})")
    defaults = NetPolicy()
    group.add_argument("--retries", type=_count, metavar="N",
                       help="retry a request that failed in a way that may pass (connection error, reset, "
                            "timeout, HTTP 429/500/502/503/504) up to N times, with backoff "
                            f"(default: WHEELPIN_RETRIES or {defaults.retries})")
    group.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                       help="socket timeout; a response must also arrive within 4 times this plus the time its "
                            f"size takes at 50 kB/s (default: WHEELPIN_TIMEOUT or {defaults.timeout:.0f})")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 0")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value
