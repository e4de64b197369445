"""Deploy manifests: render.yaml, app.yaml, app.json, heroku.yml, SAM's template.yaml, serverless.yml.  [pure]

Each says which platform runs the app and often which Python (docs/targets.md, "Where the target is read
from").  YAML is read with PyYAML's safe loader, extended to accept CloudFormation's short-form tags (``!Ref``,
``!Sub``, ``!GetAtt``…) as opaque values: a SAM template is full of them, and the plain safe loader refuses the
whole file.  Values are read from the composed node tree, which keeps every value's line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from wheelpin.detect.sources import VERSION_RE, Finding, Findings, read_text, shown
from wheelpin.errors import InputError


class TolerantLoader(yaml.SafeLoader):
    """The safe loader, plus any ``!Tag`` (CloudFormation's intrinsic functions) read as its plain value."""


def _construct_tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


TolerantLoader.add_multi_constructor("!", _construct_tagged)


def compose(project: Path, filename: str) -> tuple[yaml.Node | None, str] | None:
    """The file's YAML node tree (None for an empty file) and its shown name; None when there is no file."""
    name = shown(project, project / filename)
    text = read_text(project / filename, name)
    if text is None:
        return None
    loader = TolerantLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            loader.construct_document(node)  # surfaces bad scalars (e.g. a malformed timestamp) here, named
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise InputError(f"{name}, line {line}: not valid YAML ({exc.problem or exc.context}); fix the syntax "
                         "there, or give --python and --platform so that wheelpin does not read it.") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: not valid YAML ({exc}); fix the file, or give --python and --platform.") from None
    finally:
        loader.dispose()
    return node, name


def get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """A mapping's value for ``key``; None when the node is no mapping or lacks the key."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value if isinstance(value, yaml.Node) else None
    return None


def scalar(node: yaml.Node | None) -> str | None:
    """A plain scalar's text; None for a tagged value (``!Ref Runtime``: unknown until deploy) or a collection."""
    if isinstance(node, yaml.ScalarNode) and not node.tag.startswith("!"):
        return str(node.value).strip()
    return None


def items(node: yaml.Node | None) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value


def line_of(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def render_yaml(project: Path) -> Findings:
    """render.yaml: each native-Python service is on the platform render; PYTHON_VERSION in its envVars."""
    composed = compose(project, "render.yaml")
    if composed is None or composed[0] is None:
        return Findings()
    root, name = composed
    found = Findings()
    for service in items(get(root, "services")):
        runtime = scalar(get(service, "runtime")) or scalar(get(service, "env"))
        if runtime != "python":
            continue  # a docker service: its Dockerfile decides
        found.platforms.append(Finding(value="render", file=name, line=line_of(service),
                                       text=f"runtime: {runtime}"))
        for variable in items(get(service, "envVars")):
            value = get(variable, "value")
            if scalar(get(variable, "key")) == "PYTHON_VERSION" and value is not None:
                found.extend(_python(name, line_of(value), scalar(value), f"PYTHON_VERSION={scalar(value)}",
                                     r"(" + VERSION_RE.pattern + ")"))
    return found


def app_yaml(project: Path) -> Findings:
    """App Engine's app.yaml: ``runtime: python312`` (standard), or ``runtime: python`` with ``env: flex`` and
    ``runtime_config: {operating_system: ubuntu22, runtime_version: "3.12"}`` (flexible)."""
    composed = compose(project, "app.yaml")
    if composed is None or composed[0] is None:
        return Findings()
    root, name = composed
    runtime_node = get(root, "runtime")
    runtime = scalar(runtime_node)
    if runtime_node is None or runtime is None or not runtime.startswith("python"):
        return Findings()
    found = Findings(platforms=[Finding(value="app-engine", file=name, line=line_of(runtime_node),
                                        text=f"runtime: {runtime}")])
    if runtime != "python":
        found.extend(_python(name, line_of(runtime_node), runtime, f"runtime: {runtime}", r"python3(\d+)",
                             lambda m: f"3.{m}"))
        return found
    config = get(root, "runtime_config")
    system, version = get(config, "operating_system"), get(config, "runtime_version")
    system_text = scalar(system)
    if system is not None and system_text in ("ubuntu22", "ubuntu24"):
        # The flexible environment builds on Google's buildpack builder for that Ubuntu release.
        found.platforms = [Finding(value=f"google-{system_text[-2:]}", file=name, line=line_of(system),
                                   text=f"operating_system: {system_text}")]
    if version is not None:
        found.extend(_python(name, line_of(version), scalar(version), f"runtime_version: {scalar(version)}",
                             r"(" + VERSION_RE.pattern + ")"))
    return found


def _python(name: str, line: int, value: str | None, text: str, pattern: str,
            convert: Callable[[str], str] = str) -> Findings:
    match = re.fullmatch(pattern, value or "")
    if match is None:
        return Findings(warnings=[f"{name}:{line}: {text} names no CPython version wheelpin can read; ignored"])
    return Findings(pythons=[Finding(value=convert(match[1]), file=name, line=line, text=text)])


def app_json(project: Path) -> Findings:
    """Heroku's app.json: ``"stack": "heroku-24"``; the ``container`` stack leaves it to the Dockerfile."""
    name = shown(project, project / "app.json")
    text = read_text(project / "app.json", name)
    if text is None:
        return Findings()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}, line {exc.lineno}: not valid JSON ({exc.msg}); fix the syntax there, or give "
                         "--python and --platform so that wheelpin does not read it.") from None
    stack = document.get("stack") if isinstance(document, dict) else None
    if not isinstance(stack, str) or not stack.startswith("heroku-"):
        return Findings()
    line = next((n for n, row in enumerate(text.split("\n"), start=1) if '"stack"' in row), 1)
    return Findings(platforms=[Finding(value=stack, file=name, line=line, text=f'"stack": "{stack}"')])


def heroku_yml_dockerfiles(project: Path) -> list[Path]:
    """The Dockerfiles a heroku.yml builds (``build: docker: {web: Dockerfile}``), web first."""
    composed = compose(project, "heroku.yml")
    if composed is None or composed[0] is None:
        return []
    docker = get(get(composed[0], "build"), "docker")
    if not isinstance(docker, yaml.MappingNode):
        return []
    paths: list[Path] = []
    for _key, value in sorted(docker.value, key=lambda kv: kv[0].value != "web"):
        path = scalar(value) or scalar(get(value, "dockerfile"))
        if path:
            paths.append(project / path)
    return paths
