"""``wheelpin why PACKAGE[==VERSION]``: each release of a package judged for the target, as the resolver
judges it (``resolve.why``), with the smallest change of Python or platform for the ones that are not
candidates; a table, or JSON."""

from __future__ import annotations

import argparse
import json
import sys

from packaging.requirements import InvalidRequirement, Requirement
from rich.console import Console

from wheelpin.cli.commands import open_session
from wheelpin.cli.detected import fill_target, say
from wheelpin.cli.render import print_rows
from wheelpin.errors import InputError
from wheelpin.presets import refuse_unoffered
from wheelpin.resolve.why import ReleaseVerdict, WhyAnswer, why_releases
from wheelpin.target import make_target


def run_why(args: argparse.Namespace, err: Console) -> int:
    query = parse_query(args.package)
    if args.limit < 1:
        raise InputError(f"--limit {args.limit}: give at least 1, or --all for every release.")
    fill_target(args, err, python_default=args.python_fallback)
    target = make_target(args.python, args.platform)
    refuse_unoffered(args.platform, [(target.python_version, target.minor)])
    with open_session(args, None, err) as session:
        answer = why_releases(session, target, query, pre=args.pre, limit=None if args.all else args.limit)
    if not answer.releases:
        raise InputError(f"{args.package}: no release of {answer.name} matches {query.specifier}; "
                         "check the version, or leave it out to see every release.")
    if args.format == "json":
        sys.stdout.write(json.dumps(why_json(answer), indent=2) + "\n")
    else:
        _print(answer, err)
    return 0 if any(r.candidate for r in answer.releases) else 1


def parse_query(text: str) -> Requirement:
    try:
        query = Requirement(text)
    except InvalidRequirement as exc:
        raise InputError(f"{text!r} is not a package name with an optional version ({str(exc).splitlines()[0]}); "
                         "write it as `tiktoken` or `tiktoken==0.6.0`.") from None
    if query.url or query.marker or query.extras:
        raise InputError(f"{text!r}: wheelpin why takes a package name and optionally a version specifier "
                         f"(`{query.name}==VERSION`), without extras, markers or URLs.")
    return query


def why_json(answer: WhyAnswer) -> dict[str, object]:
    return {
        "package": answer.name,
        "target": {"python": answer.target.python_version, "python_full_version": answer.target.python_full_version,
                   "platform": answer.target.platform.tag},
        "newest_candidate": str(answer.newest_candidate) if answer.newest_candidate else None,
        "matching": answer.matching,
        "releases": [_release_json(r) for r in answer.releases],
    }


def _release_json(release: ReleaseVerdict) -> dict[str, object]:
    change = release.change
    return {
        "version": str(release.version),
        "candidate": release.candidate,
        "reasons": [{"kind": r.kind, "text": r.text} for r in release.reasons],
        "wheel": release.wheel,
        "sdist": release.has_sdist,
        "change": None if change is None else {"python": change.python, "platform": change.platform,
                                                "together": change.together, "text": change.text},
    }


def _print(answer: WhyAnswer, err: Console) -> None:
    out = Console(highlight=False, soft_wrap=True)
    newest = (f"the newest candidate is {answer.newest_candidate}" if answer.newest_candidate
              else "no release is a candidate")
    shown = len(answer.releases)
    more = f"; {shown} of {answer.matching} releases shown (--all for every one)" if shown < answer.matching else ""
    rows = [(str(r.version), "candidate" if r.candidate else "not a candidate", _why(r), _change(r))
            for r in answer.releases]
    print_rows(out, f"{answer.name} for {answer.target}: {newest}{more}", ("release", "verdict", "why", "change"),
               rows)
    if answer.newest_candidate is None:
        # On a terminal the change is a table column; in plain output it ends each release's line.
        where = "the change column says" if out.is_terminal else "the last part of each release's line says"
        say(err, f"no release of {answer.name} shown installs on {answer.target} with a wheel; {where} what would.")


def _why(release: ReleaseVerdict) -> str:
    if release.candidate:
        return f"installs {release.wheel}"
    return "; ".join(r.text for r in release.reasons)


def _change(release: ReleaseVerdict) -> str:
    if release.change is not None:
        return release.change.text
    if release.candidate or release.wheel:
        return ""  # what keeps it out (a yank, a pre-release) is no matter of Python or platform
    if any(r.kind == "sdist-only" for r in release.reasons):
        return "it has no wheels at all: only a source build installs it"
    return "no change of Python or platform gives it a wheel"
