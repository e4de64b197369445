"""The deploy target, read from a project directory: which Python and which platform, and where each came
from.  [pure: reads files, no network]

Precedence (docs/targets.md): the deploy manifest first — a Dockerfile (the one heroku.yml builds, else
./Dockerfile), render.yaml, app.yaml, app.json, template.yaml, serverless.yml — then the version files in
Heroku's order (runtime.txt, .python-version) and asdf's .tool-versions.  Every source found is kept, so that
a caller can show the ones that disagree with the one used.  The command line's flags come before all of
this; that is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wheelpin.detect.aws import sam_template, serverless_yml
from wheelpin.detect.dockerfile import read_dockerfile
from wheelpin.detect.manifests import app_json, app_yaml, heroku_yml_dockerfiles, render_yaml
from wheelpin.detect.sources import Finding, Findings, same_python, shown
from wheelpin.detect.versionfiles import python_bounds, version_files


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectedTarget:
    """What a project directory says about its deploy target.

    ``python`` / ``platform`` are the findings used (None when no file says); ``pythons`` / ``platforms`` every
    finding in precedence order (the used one first); ``bounds`` the requires-python specifiers found;
    ``warnings`` what could not be used and why.
    """

    project: Path
    pythons: tuple[Finding, ...] = ()
    platforms: tuple[Finding, ...] = ()
    bounds: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def python(self) -> Finding | None:
        return self.pythons[0] if self.pythons else None

    @property
    def platform(self) -> Finding | None:
        return self.platforms[0] if self.platforms else None

    def disagreeing_pythons(self) -> list[Finding]:
        """The sources whose Python differs from the one used (3.11 and 3.11.9 agree; 3.11 and 3.12 do not)."""
        used = self.python
        return [] if used is None else [f for f in self.pythons[1:] if not same_python(f.value, used.value)]

    def disagreeing_platforms(self) -> list[Finding]:
        used = self.platform
        return [] if used is None else [f for f in self.platforms[1:] if f.value != used.value]


# Every file detect_target reads a Python or platform from: a directory holding any of them is a project.
DEPLOY_FILES = ("Dockerfile", "heroku.yml", "render.yaml", "app.yaml", "app.json", "template.yaml", "template.yml",
                "serverless.yml", "runtime.txt", ".python-version", ".tool-versions")


def has_deploy_files(directory: Path) -> bool:
    """Whether the directory holds any file detect_target reads a Python or platform from."""
    return any((directory / name).is_file() for name in DEPLOY_FILES)


def detect_target(project: str | Path) -> DetectedTarget:
    """Read the deploy files in ``project`` (a directory) and say which target they name."""
    root = Path(project)
    found = Findings()
    found.extend(_dockerfiles(root))
    for reader in (render_yaml, app_yaml, app_json, sam_template, serverless_yml):
        found.extend(reader(root))
    found.extend(version_files(root))
    return DetectedTarget(project=root, pythons=tuple(found.pythons), platforms=tuple(found.platforms),
                          bounds=tuple(python_bounds(root)), warnings=tuple(dict.fromkeys(found.warnings)))


def _dockerfiles(root: Path) -> Findings:
    """A heroku.yml container deploy builds the Dockerfiles it names; otherwise ./Dockerfile is the one."""
    named = heroku_yml_dockerfiles(root)
    found = Findings()
    for path in named:
        if not path.is_file():
            found.warnings.append(f"heroku.yml names {shown(root, path)}, which does not exist")
        found.extend(read_dockerfile(root, path))
    if not named:
        found.extend(read_dockerfile(root, root / "Dockerfile"))
    return found


__all__ = ["DEPLOY_FILES", "DetectedTarget", "Finding", "detect_target", "has_deploy_files"]
