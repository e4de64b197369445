"""AWS Lambda manifests: a SAM ``template.yaml`` and a Serverless Framework ``serverless.yml``.  [pure]

SAM: each ``AWS::Serverless::Function`` (or plain ``AWS::Lambda::Function``) has ``Runtime: python3.12`` and
``Architectures: [arm64]``, either of which may come from ``Globals: Function:``; a function's own value wins.
Serverless: ``provider.runtime`` and ``provider.architecture``, which a function's own ``runtime`` /
``architecture`` override.  Functions that disagree are each reported, the first is used.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from wheelpin.detect.manifests import compose, get, items, line_of, scalar
from wheelpin.detect.sources import Finding, Findings

_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
_PRESET = {"x86_64": "lambda", "arm64": "lambda-arm64"}


def sam_template(project: Path) -> Findings:
    """template.yaml (or template.yml): every Lambda function's Python and architecture."""
    for filename in ("template.yaml", "template.yml"):
        composed = compose(project, filename)
        if composed is not None and composed[0] is not None:
            root, name = composed
            found = Findings()
            defaults = get(get(root, "Globals"), "Function")
            resources = get(root, "Resources")
            for _key, resource in resources.value if isinstance(resources, yaml.MappingNode) else ():
                if scalar(get(resource, "Type")) in _FUNCTION_TYPES:
                    properties = get(resource, "Properties")
                    found.extend(_function(name, properties, defaults, "Runtime", "Architectures"))
            return found
    return Findings()


def serverless_yml(project: Path) -> Findings:
    """serverless.yml on the aws provider: provider.runtime / provider.architecture, and each function's."""
    composed = compose(project, "serverless.yml")
    if composed is None or composed[0] is None:
        return Findings()
    root, name = composed
    provider = get(root, "provider")
    if scalar(get(provider, "name")) not in (None, "aws"):
        return Findings()
    found = Findings()
    functions = get(root, "functions")
    for _key, function in functions.value if isinstance(functions, yaml.MappingNode) else ():
        found.extend(_function(name, function, provider, "runtime", "architecture"))
    if not found.pythons and not found.platforms:
        found.extend(_function(name, None, provider, "runtime", "architecture"))
    return found


def _function(name: str, own: yaml.Node | None, defaults: yaml.Node | None, runtime_key: str,
              arch_key: str) -> Findings:
    """One function's Python and preset: its own keys, else the defaults' (Globals, provider)."""
    runtime = get(own, runtime_key) or get(defaults, runtime_key)
    runtime_text = scalar(runtime)
    if isinstance(runtime, yaml.ScalarNode) and runtime_text is None:
        return Findings(warnings=[f"{name}:{line_of(runtime)}: {runtime_key}: {runtime.tag} {runtime.value} is "
                                  "decided at deploy time, so wheelpin cannot read it; give --python"])
    if runtime is None or runtime_text is None or not runtime_text.startswith("python3."):
        return Findings()  # another language
    found = Findings(pythons=[Finding(value=runtime_text.removeprefix("python"), file=name, line=line_of(runtime),
                                      text=f"{runtime_key}: {runtime_text}")])
    arch_node = get(own, arch_key) or get(defaults, arch_key)
    listed = [scalar(n) for n in items(arch_node)] if isinstance(arch_node, yaml.SequenceNode) else [scalar(arch_node)]
    arch = listed[0] if listed and listed[0] else "x86_64"
    if arch not in _PRESET:
        found.warnings.append(f"{name}:{line_of(arch_node or runtime)}: architecture {arch!r} is not one Lambda "
                              "offers (x86_64, arm64); assuming x86_64")
        arch = "x86_64"
    where = arch_node if arch_node is not None else runtime
    text = f"{arch_key}: {arch}" if arch_node is not None else f"{runtime_key}: {runtime_text} (x86_64 by default)"
    found.platforms.append(Finding(value=_PRESET[arch], file=name, line=line_of(where), text=text))
    return found
