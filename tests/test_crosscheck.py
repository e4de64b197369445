"""wheelpin and `uv pip compile --only-binary :all:` agree on the recorded index, for every example."""

from __future__ import annotations

from pathlib import Path

import pytest
from crosscheck import compare, find_uv, uv_compile

from wheelpin.errors import NoWheelSolution
from wheelpin.index import HttpIndex
from wheelpin.inputs import parse_requirements_file
from wheelpin.resolve import Session, resolve
from wheelpin.target import make_target

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*/requirements.txt"))

pytestmark = pytest.mark.skipif(find_uv() is None, reason="uv is a dev dependency: pip install -e '.[dev]'")


@pytest.mark.parametrize("python", ["3.10", "3.11", "3.13", "3.14"])
@pytest.mark.parametrize("requirements", EXAMPLES, ids=lambda p: p.parent.name)
def test_same_pins_as_uv(requirements: Path, python: str, index_url: str, tmp_path: Path, clean_env) -> None:
    platform = "manylinux_2_28_x86_64"
    http = HttpIndex([index_url])
    index = Session(http)
    try:
        ours: dict[str, str] | None = resolve(parse_requirements_file(requirements),
                                             make_target(python, platform), index).as_dict()
    except NoWheelSolution:
        ours = None
    finally:
        index.close()
        http.client.close()
    theirs = uv_compile([requirements], python=python, platform_tag=platform, index_url=index_url,
                        extra_args=["--cache-dir", str(tmp_path / "uv-cache")])
    assert theirs.returncode in (0, 1), theirs.stderr
    comparison = compare(ours, theirs)
    assert comparison.agree, (comparison, theirs.stderr[-2000:])


def test_the_examples_say_what_the_readme_says(index_url: str, clean_env) -> None:
    """render-fastapi: 3.11-3.13 yes, 3.14 no; llm-app: 3.11 yes, 3.13 no."""
    expectations = {"render-fastapi": {"3.11": True, "3.12": True, "3.13": True, "3.14": False},
                    "llm-app": {"3.11": True, "3.13": False}}
    http = HttpIndex([index_url])
    index = Session(http)
    try:
        for example, by_python in expectations.items():
            inputs = parse_requirements_file(ROOT / "examples" / example / "requirements.txt")
            for python, ok in by_python.items():
                try:
                    resolve(inputs, make_target(python, "manylinux"), index)
                    got = True
                except NoWheelSolution:
                    got = False
                assert got is ok, (example, python)
    finally:
        index.close()
        http.client.close()
