"""Behaviour of wheelpin.config.index_urls: the same index the installer would use."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pip._internal.models.index import PyPI

from wheelpin.config import index_urls
from wheelpin.errors import InputError

ENV_VARS = ("WHEELPIN_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_INDEX", "UV_EXTRA_INDEX_URL",
            "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE", "PIP_FIND_LINKS")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the machine's own PIP_* variables and user/venv pip.conf files out of every test."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    return tmp_path


def pip_conf(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def url(level: str) -> str:
    return f"https://{level.lower().replace('_', '-')}.example/simple/"


LEVELS = ["cli", "file", "WHEELPIN_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL",
          "pip.conf"]


@pytest.mark.parametrize("first", range(len(LEVELS)), ids=LEVELS)
def test_index_url_precedence(first: int, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every source from ``first`` on is set; the one at ``first`` must win."""
    given = LEVELS[first:]
    for level in given:
        if level.isupper():
            monkeypatch.setenv(level, url(level))
    if "pip.conf" in given:
        conf = pip_conf(isolated / "pip.conf", f"[global]\nindex-url = {url('pip.conf')}\n")
        monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    result = index_urls(cli_index_url=url("cli") if "cli" in given else None,
                        file_index_url=url("file") if "file" in given else None)
    assert result == [url(LEVELS[first])]


def test_pips_default_index_is_last(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # no config file at all, not even /etc/pip.conf
    (primary,) = index_urls(cli_index_url=None)
    assert primary.startswith("https://")
    assert primary.endswith(("/simple", "/simple/"))
    assert primary == PyPI.simple_url  # asked of pip itself


def test_pip_config_install_section_is_read(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = pip_conf(isolated / "pip.conf", f"[install]\nindex-url = {url('install')}\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert index_urls(cli_index_url=None) == [url("install")]


def test_user_pip_config_is_read(isolated: Path) -> None:
    pip_conf(isolated / "home" / ".config" / "pip" / "pip.conf", f"[global]\nindex-url = {url('user')}\n")
    assert index_urls(cli_index_url=None) == [url("user")]


def test_user_pip_config_overrides_the_system_wide_one(isolated: Path) -> None:
    pip_conf(isolated / "xdg" / "pip" / "pip.conf", f"[global]\nindex-url = {url('system')}\n")
    pip_conf(isolated / "home" / ".config" / "pip" / "pip.conf", f"[global]\nindex-url = {url('user')}\n")
    assert index_urls(cli_index_url=None) == [url("user")]


def test_pip_config_file_devnull_disables_config_files(isolated: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pip_conf(isolated / "home" / ".config" / "pip" / "pip.conf", f"[global]\nindex-url = {url('user')}\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert index_urls(cli_index_url=None) == [PyPI.simple_url]


def test_pip_config_file_overrides_the_virtualenvs_pip_conf(isolated: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "base_prefix", str(isolated / "base"))  # make sure we look like a venv
    pip_conf(isolated / "venv" / "pip.conf", f"[global]\nindex-url = {url('site')}\n")
    conf = pip_conf(isolated / "env.conf", f"[global]\nindex-url = {url('env')}\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert index_urls(cli_index_url=None) == [url("env")]


def test_virtualenv_pip_conf_is_read(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "base_prefix", str(isolated / "base"))
    pip_conf(isolated / "venv" / "pip.conf", f"[global]\nindex-url = {url('site')}\n")
    assert index_urls(cli_index_url=None) == [url("site")]


# -- extra indexes and file:// URLs -----------------------------------------------------------------------
def test_extra_indexes_follow_the_primary_in_order_without_duplicates(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", f"{url('env-a')} {url('env-b')}")
    result = index_urls(cli_index_url=url("cli"), cli_extra=[url("cli-x"), url("cli")],
                        file_extra=[url("file-x"), url("env-a")])
    assert result == [url("cli"), url("cli-x"), url("file-x"), url("env-a"), url("env-b")]


def test_pip_config_extra_index_urls_are_used(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"[global]\nextra-index-url =\n    {url('conf-a')}\n    {url('conf-b')}\n"  # multi-line value
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_conf(isolated / "pip.conf", text)))
    assert index_urls(cli_index_url=url("cli")) == [url("cli"), url("conf-a"), url("conf-b")]


def test_pip_extra_index_url_replaces_the_config_files_extra_indexes(isolated: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"[global]\nextra-index-url = {url('conf-a')}\n"
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_conf(isolated / "pip.conf", text)))
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", url("env-a"))
    assert index_urls(cli_index_url=url("cli")) == [url("cli"), url("env-a")]


def test_file_urls_are_skipped(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What this machine's own pip.conf looks like: file:// extra indexes next to a normal index.
    conf = pip_conf(isolated / "pip.conf", "[global]\nfind-links = /opt/wheels\n"
                    "extra-index-url = file:///opt/pypi/simple file:///opt/pypi-more/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("PIP_INDEX_URL", url("pip"))
    assert index_urls(cli_index_url=None) == [url("pip")]


def test_a_file_url_primary_is_skipped_in_favour_of_http_extras() -> None:
    assert index_urls(cli_index_url="file:///opt/pypi/simple", cli_extra=[url("extra")]) == [url("extra")]


def test_no_http_index_at_all_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        index_urls(cli_index_url="file:///opt/pypi/simple")
    assert "file:///opt/pypi/simple" in str(caught.value)
    assert caught.value.exit_code == 2


def test_http_urls_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHEELPIN_INDEX_URL", "http://localhost:8080/simple/")
    assert index_urls(cli_index_url=None) == ["http://localhost:8080/simple/"]


def test_pip_is_a_runtime_dependency() -> None:
    """The default index comes from pip's own model, so an install without pip (``uv tool install``) fails."""
    from packaging.requirements import Requirement

    from wheelpin._toml import loads_toml

    project = loads_toml((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    names = {Requirement(item).name for item in project["dependencies"]}
    assert "pip" in names
