"""TLS verification as pip configures it: PIP_CERT, pip's `cert`, REQUESTS_CA_BUNDLE, client certificates."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from wheelpin.config import ca_bundle
from wheelpin.errors import InputError
from wheelpin.index.transport import tls_context

SYSTEM_BUNDLE = ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture
def no_tls_env(clean_env: object, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_pip_cert_beats_pips_config_which_beats_requests_ca_bundle(no_tls_env, tmp_path, monkeypatch) -> None:
    config = tmp_path / "pip.conf"
    config.write_text("[global]\ncert = /etc/corp/from-config.pem\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp/requests.pem")
    assert ca_bundle() == "/etc/corp/requests.pem"
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    assert ca_bundle() == "/etc/corp/from-config.pem"
    monkeypatch.setenv("PIP_CERT", "/etc/corp/from-env.pem")
    assert ca_bundle() == "/etc/corp/from-env.pem"


def test_without_settings_the_clients_default_verification_is_kept(no_tls_env) -> None:
    assert tls_context() is True


def test_a_configured_bundle_is_what_the_client_verifies_with(no_tls_env, monkeypatch) -> None:
    if not Path(SYSTEM_BUNDLE).is_file():
        pytest.skip(f"no CA bundle file at {SYSTEM_BUNDLE}")
    monkeypatch.setenv("PIP_CERT", SYSTEM_BUNDLE)
    context = tls_context()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.get_ca_certs()


def test_a_bundle_that_does_not_exist_is_an_input_error_naming_it(no_tls_env, monkeypatch) -> None:
    monkeypatch.setenv("PIP_CERT", "/nonexistent/corp-ca.pem")
    with pytest.raises(InputError) as caught:
        tls_context()
    assert "/nonexistent/corp-ca.pem" in str(caught.value) and caught.value.exit_code == 2


def test_a_bundle_that_cannot_be_loaded_fails_the_first_run_that_needs_the_network(
        no_tls_env, run, monkeypatch) -> None:
    """The HTTP client is built at the first cache miss, no longer at start-up: the same error, as an input
    error, from the run that needs it; a run the cache answers whole builds no client and verifies nothing."""
    args = ("resolve", "six", "--python", "3.12", "--platform", "manylinux_2_28_x86_64")
    monkeypatch.setenv("PIP_CERT", "/nonexistent/corp-ca.pem")
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert "/nonexistent/corp-ca.pem" in err and "cannot be loaded" in err
    monkeypatch.delenv("PIP_CERT")
    assert run(*args)[0] == 0  # fills the cache
    monkeypatch.setenv("PIP_CERT", "/nonexistent/corp-ca.pem")
    code, out, _err = run(*args)
    assert code == 0 and "six==" in out
