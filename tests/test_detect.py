"""Detection of the deploy target from a project directory's files (wheelpin.detect), on fixture repos."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from wheelpin.detect import detect_target
from wheelpin.errors import InputError


def write(root: Path, name: str, text: str, *, crlf: bool = False) -> None:
    body = textwrap.dedent(text).lstrip("\n")
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(body.replace("\n", "\r\n" if crlf else "\n").encode())


def found(root: Path) -> tuple[str | None, str | None, str | None, str | None]:
    """(python, where it came from, platform, where it came from)."""
    detected = detect_target(root)
    python, platform = detected.python, detected.platform
    return (python and python.value, python and python.where, platform and platform.value,
            platform and platform.where)


def test_an_empty_directory_names_nothing(tmp_path):
    detected = detect_target(tmp_path)
    assert (detected.python, detected.platform, detected.warnings, detected.bounds) == (None, None, (), ())


@pytest.mark.parametrize(("name", "text", "python", "line"), [
    ("runtime.txt", "python-3.11.9\n", "3.11.9", 1),
    (".python-version", "# pinned for the deploy\n\n3.12\n", "3.12", 3),
    (".python-version", "3.13.1\n3.12.8\n", "3.13.1", 1),  # pyenv: the first line is the one used
    (".python-version", "cpython-3.12\n", "3.12", 1),
    (".tool-versions", "nodejs 22.1.0\npython 3.11.9 3.10.4 # fallback\n", "3.11.9", 2),
])
def test_version_files(tmp_path, name, text, python, line):
    write(tmp_path, name, text)
    assert found(tmp_path) == (python, f"{name}:{line}", None, None)


def test_version_files_in_herokus_order_and_the_disagreement_is_kept(tmp_path):
    write(tmp_path, ".python-version", "3.12\n")
    write(tmp_path, "runtime.txt", "python-3.11.9\n")
    write(tmp_path, ".tool-versions", "python 3.11.9\n")
    detected = detect_target(tmp_path)
    assert detected.python is not None and detected.python.where == "runtime.txt:1"
    # .tool-versions says the same Python, .python-version another: only the latter disagrees.
    assert [f.where for f in detected.disagreeing_pythons()] == [".python-version:1"]


def test_a_minor_and_a_patch_of_it_agree(tmp_path):
    write(tmp_path, "runtime.txt", "python-3.12.8\n")
    write(tmp_path, ".python-version", "3.12\n")
    assert detect_target(tmp_path).disagreeing_pythons() == []


@pytest.mark.parametrize("value", ["pypy3.10", "system", "3.13t", "3.14.0rc1"])
def test_a_python_other_tools_accept_but_wheelpin_cannot_lock_for_is_a_warning(tmp_path, value):
    write(tmp_path, ".python-version", f"{value}\n")
    detected = detect_target(tmp_path)
    assert detected.python is None
    assert detected.warnings and ".python-version:1" in detected.warnings[0] and value in detected.warnings[0]


def test_a_runtime_decided_at_deploy_time_is_a_warning(tmp_path):
    write(tmp_path, "template.yaml", """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: !Ref PythonRuntime
    """)
    detected = detect_target(tmp_path)
    assert (detected.python, detected.platform) == (None, None)
    assert "template.yaml:5" in detected.warnings[0] and "!Ref PythonRuntime" in detected.warnings[0]


@pytest.mark.parametrize(("name", "text", "where"), [
    ("runtime.txt", "# deploy\npython3.11\n", "runtime.txt, line 2"),
    (".python-version", "three-eleven\n", ".python-version, line 1"),
    ("render.yaml", "services:\n  - type: web\n    runtime: [python\n", "render.yaml, line 4"),
    ("app.json", '{\n  "stack": "heroku-24",\n}\n', "app.json, line 3"),
])
def test_a_malformed_file_is_an_input_error_naming_file_and_line(tmp_path, name, text, where):
    write(tmp_path, name, text)
    with pytest.raises(InputError) as caught:
        detect_target(tmp_path)
    assert str(caught.value).startswith(f"{where}: ")
    assert "\n" not in str(caught.value)


def test_render_yaml_python_service(tmp_path):
    write(tmp_path, "render.yaml", """
        services:
          - type: web
            name: api
            runtime: docker
          - type: web
            name: app
            runtime: python
            envVars:
              - key: WEB_CONCURRENCY
                value: 4
              - key: PYTHON_VERSION
                value: 3.13.5
    """)
    assert found(tmp_path) == ("3.13.5", "render.yaml:12", "render", "render.yaml:5")


@pytest.mark.parametrize(("text", "expected"), [
    ("runtime: python312\n", ("3.12", "app.yaml:1", "app-engine", "app.yaml:1")),
    ("runtime: python\nenv: flex\nruntime_config:\n  operating_system: ubuntu22\n  runtime_version: \"3.12\"\n",
     ("3.12", "app.yaml:5", "google-22", "app.yaml:4")),
])
def test_app_yaml(tmp_path, text, expected):
    write(tmp_path, "app.yaml", text)
    assert found(tmp_path) == expected


def test_app_json_stack_with_a_version_file(tmp_path):
    write(tmp_path, "app.json", '{\n  "name": "x",\n  "stack": "heroku-24"\n}\n')
    write(tmp_path, ".python-version", "3.13\n")
    assert found(tmp_path) == ("3.13", ".python-version:1", "heroku-24", "app.json:3")


def test_a_sam_template_with_cloudformation_tags_and_globals(tmp_path):
    write(tmp_path, "template.yaml", """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: python3.12
            Timeout: !Ref Timeout
        Resources:
          Api:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Architectures:
                - arm64
              Environment:
                Variables:
                  TABLE: !Ref Table
                  URL: !Sub "https://${Api}.example"
                  ARN: !GetAtt Table.Arn
          Table:
            Type: AWS::Serverless::SimpleTable
    """)
    assert found(tmp_path) == ("3.12", "template.yaml:5", "lambda-arm64", "template.yaml:13")


def test_sam_functions_that_disagree_are_each_reported(tmp_path):
    write(tmp_path, "template.yaml", """
        Resources:
          A:
            Type: AWS::Serverless::Function
            Properties: {Runtime: python3.11}
          B:
            Type: AWS::Lambda::Function
            Properties: {Runtime: python3.13, Architectures: [x86_64]}
    """)
    detected = detect_target(tmp_path)
    assert (detected.python and detected.python.value, detected.platform and detected.platform.value) == \
        ("3.11", "lambda")
    assert [f.value for f in detected.disagreeing_pythons()] == ["3.13"]


def test_serverless_yml_provider_and_function_override(tmp_path):
    write(tmp_path, "serverless.yml", """
        service: api
        provider:
          name: aws
          runtime: python3.12
          architecture: arm64
        functions:
          hello:
            handler: handler.hello
    """)
    assert found(tmp_path) == ("3.12", "serverless.yml:4", "lambda-arm64", "serverless.yml:5")


@pytest.mark.parametrize(("image", "python", "platform"), [
    ("python:3.12-slim", "3.12", "docker-slim"),
    ("python:3.12", "3.12", "docker-slim"),  # Debian 13 (trixie), the images' default
    ("python:3.12.4-slim-trixie", "3.12.4", "docker-slim"),
    ("python:3.11-slim-bookworm", "3.11", "docker-slim-bookworm"),
    ("python:3.11-bookworm", "3.11", "docker-slim-bookworm"),
    ("docker.io/library/python:3.13-alpine3.21", "3.13", "alpine"),
    ("python:3.10-bullseye", "3.10", "manylinux_2_31_x86_64"),
    ("--platform=linux/arm64 python:3.12-slim", "3.12", "docker-slim-arm64"),
    ("python:3.12-slim@sha256:0123abcd", "3.12", "docker-slim"),
])
def test_dockerfile_images(tmp_path, image, python, platform):
    write(tmp_path, "Dockerfile", f"FROM {image}\nCMD [\"python\"]\n")
    assert found(tmp_path) == (python, "Dockerfile:1", platform, "Dockerfile:1")


def test_a_multi_stage_dockerfile_with_an_arg_default_and_a_stage_alias(tmp_path):
    write(tmp_path, "Dockerfile", """
        # syntax=docker/dockerfile:1
        ARG PYTHON_VERSION=3.12
        ARG VARIANT
        FROM --platform=$BUILDPLATFORM python:${PYTHON_VERSION}-slim AS base
        RUN pip install --no-cache-dir \\
            # comments inside a continued RUN are dropped
            uv
        FROM node:22 AS assets
        RUN npm ci
        FROM base AS runtime
        COPY --from=assets /app/dist /app/dist
    """)
    detected = detect_target(tmp_path)
    assert found(tmp_path) == ("3.12", "Dockerfile:4", "docker-slim", "Dockerfile:4")
    assert detected.python is not None and "python:3.12-slim" in detected.python.text


def test_an_arg_without_default_in_the_image_is_a_warning(tmp_path):
    write(tmp_path, "Dockerfile", "ARG PY\nFROM python:${PY}-slim\n")
    detected = detect_target(tmp_path)
    assert (detected.python, detected.platform) == (None, None)
    assert "Dockerfile:2" in detected.warnings[0] and "$PY" in detected.warnings[0]


def test_a_last_stage_that_is_no_python_image_is_a_warning_and_names_nothing(tmp_path):
    write(tmp_path, "Dockerfile", """
        FROM python:3.12-slim AS build
        RUN pip wheel -r requirements.txt
        FROM gcr.io/distroless/python3-debian12
        COPY --from=build /wheels /wheels
    """)
    write(tmp_path, "runtime.txt", "python-3.11.9\n")
    detected = detect_target(tmp_path)
    assert detected.platform is None
    assert detected.python is not None and detected.python.where == "runtime.txt:1"
    assert len(detected.warnings) == 1
    assert "Dockerfile:3" in detected.warnings[0] and "distroless" in detected.warnings[0]


def test_a_crlf_dockerfile_with_continuations(tmp_path):
    write(tmp_path, "Dockerfile", "ARG PY=3.13\nFROM \\\n  python:${PY}-alpine \\\n  AS app\nRUN true\n", crlf=True)
    write(tmp_path, "runtime.txt", "python-3.13.1\n", crlf=True)
    assert found(tmp_path) == ("3.13", "Dockerfile:2", "alpine", "Dockerfile:2")
    assert detect_target(tmp_path).disagreeing_pythons() == []


def test_a_crlf_yaml_manifest(tmp_path):
    write(tmp_path, "serverless.yml", "provider:\n  name: aws\n  runtime: python3.11\n", crlf=True)
    assert found(tmp_path) == ("3.11", "serverless.yml:3", "lambda", "serverless.yml:3")


def test_the_deploy_manifest_comes_before_version_files(tmp_path):
    write(tmp_path, "Dockerfile", "FROM python:3.13-slim\n")
    write(tmp_path, "runtime.txt", "python-3.11.9\n")
    detected = detect_target(tmp_path)
    assert detected.python is not None and detected.python.where == "Dockerfile:1"
    assert [(f.where, f.value) for f in detected.disagreeing_pythons()] == [("runtime.txt:1", "3.11.9")]


def test_heroku_yml_builds_the_dockerfile_it_names(tmp_path):
    write(tmp_path, "heroku.yml", "build:\n  docker:\n    worker: worker.Dockerfile\n    web: app/Dockerfile\n")
    write(tmp_path, "app/Dockerfile", "FROM python:3.12-slim-bookworm\n")
    write(tmp_path, "worker.Dockerfile", "FROM python:3.12-slim\n")
    write(tmp_path, "Dockerfile", "FROM python:3.10\n")  # not what heroku.yml builds
    detected = detect_target(tmp_path)
    assert found(tmp_path) == ("3.12", "app/Dockerfile:1", "docker-slim-bookworm", "app/Dockerfile:1")
    assert [f.where for f in detected.disagreeing_platforms()] == ["worker.Dockerfile:1"]


def test_requires_python_and_pipfile_bounds(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\nname = "app"\nrequires-python = ">=3.11"\n')
    write(tmp_path, "Pipfile", '[packages]\nflask = "*"\n\n[requires]\npython_version = "3.12"\n')
    bounds = detect_target(tmp_path).bounds
    assert [(b.value, b.where) for b in bounds] == [(">=3.11", "pyproject.toml:3"), (">=3.12", "Pipfile:5")]
