"""Connecting to a real Dovecot: TLS, STARTTLS, plaintext, certificates, passwords, OAuth2."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.imap.oauth import forget_tokens
from syncd.pipeline import Pipeline, RunReport
from syncd.store.db import make_engine, session_factory
from syncd.store.models import Communication, ConnectorRow
from tests.integration.conftest import (
    ImapUser,
    imap_connector,
    message,
    seed_crm,
    settings_for,
)

pytestmark = pytest.mark.integration


def _sync(tmp_path: Path, db_url: str, cfg: dict, **extra: object) -> tuple[Pipeline, RunReport]:
    pipeline = Pipeline(settings_for(tmp_path, db_url, [cfg], **extra), make_engine(db_url))
    pipeline.prepare()
    return pipeline, pipeline.sync(cfg["name"])


def _count(db_url: str) -> int:
    with session_factory(make_engine(db_url))() as s:
        return int(s.scalar(select(func.count()).select_from(Communication)) or 0)


@pytest.mark.parametrize(
    ("security", "tls_port"),
    [("tls", True), ("starttls", False), ("plain", False)],
)
def test_security_modes_sync(
    imap_user: ImapUser, tmp_path: Path, db_url: str, security: str, tls_port: bool
) -> None:
    seed_crm(db_url)
    imap_user.append("INBOX", message(1))
    port = imap_user.server.tls_port if tls_port else imap_user.server.port
    cfg = imap_connector(
        imap_user,
        port=port,
        security=security,
        ca_file=None if security == "plain" else str(imap_user.server.ca_file),
    )
    _, report = _sync(tmp_path, db_url, cfg)
    assert report.status == "ok", report.error
    assert _count(db_url) == 1


def test_untrusted_certificate_is_refused(imap_user: ImapUser, tmp_path: Path, db_url: str) -> None:
    other = tmp_path / "other-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
         str(tmp_path / "k.pem"), "-out", str(other), "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    imap_user.append("INBOX", message(1))
    for security, port in (("tls", imap_user.server.tls_port), ("starttls", imap_user.server.port)):
        cfg = imap_connector(imap_user, security=security, port=port, ca_file=str(other))
        _, report = _sync(tmp_path, db_url, cfg)
        assert report.status == "error"
        assert "certificate" in (report.error or "")
    assert _count(db_url) == 0


def test_wrong_password_marks_auth_failed_and_stops_retrying(
    imap_user: ImapUser, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCD_TEST_IMAP_PASSWORD", "wrong")
    cfg = imap_connector(imap_user)
    pipeline, report = _sync(tmp_path, db_url, cfg)
    assert report.status == "auth_failed"
    assert "secret" not in (report.error or "") and "wrong" not in (report.error or "")
    again = pipeline.sync("imap")  # no new login attempt until the config changes
    assert again.status == "auth_failed"
    attempts = [
        line
        for line in imap_user.server.log.splitlines()
        if f"user=<{imap_user.name}>" in line and "auth failed" in line
    ]
    assert len(attempts) == 1
    with session_factory(pipeline.engine)() as s:
        assert s.scalar(select(ConnectorRow.status)) == "auth_failed"


def _oauth2_connector(
    imap_user: ImapUser, tmp_path: Path, *, client_secret: bool = True, **extra: object
) -> dict:
    """An OAuth2 connector against the test token endpoint (``extra``: the refresh token source)."""
    if client_secret:
        secret_file = tmp_path / "client_secret"
        secret_file.write_text("s3cret\n")
        extra["oauth2_client_secret_file"] = str(secret_file)
    return imap_connector(
        imap_user,
        auth="oauth2",
        password_env=None,
        oauth2_token_url=f"{imap_user.server.oauth.url}/token",
        oauth2_client_id="syncd",
        **extra,
    )


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_oauth2_login_and_refresh(
    imap_user: ImapUser,
    tmp_path: Path,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    mechanism: str,
) -> None:
    seed_crm(db_url)
    provider = imap_user.server.oauth
    refresh = provider.grant(imap_user.name)
    monkeypatch.setenv("SYNCD_TEST_REFRESH", refresh)
    imap_user.append("INBOX", message(1))
    cfg = _oauth2_connector(
        imap_user,
        tmp_path,
        oauth2_refresh_token_env="SYNCD_TEST_REFRESH",
        oauth2_mechanism=mechanism,
    )
    before = provider.token_requests
    pipeline, report = _sync(tmp_path, db_url, cfg)
    assert report.status == "ok", report.error
    assert _count(db_url) == 1
    assert provider.token_requests == before + 1
    pipeline.sync("imap")  # token still fresh: reused across connector instances
    assert provider.token_requests == before + 1

    # The server revokes the token early: the refused token is refreshed once.
    provider.expires_in = 2
    for token in list(provider.tokens):
        provider.tokens[token] = (provider.tokens[token][0], 0.0)
    imap_user.append("INBOX", message(2))
    report = pipeline.sync("imap")
    assert report.status == "ok", report.error
    assert provider.token_requests == before + 2
    assert _count(db_url) == 2

    # A short-lived token is refreshed *before* it expires (past half its lifetime).
    time.sleep(1.1)
    imap_user.append("INBOX", message(3))
    report = pipeline.sync("imap")
    assert report.status == "ok", report.error
    assert provider.token_requests == before + 3
    assert _count(db_url) == 3


def test_rotated_refresh_token_is_saved_to_its_file_and_outlives_the_process(
    imap_user: ImapUser, tmp_path: Path, db_url: str
) -> None:
    seed_crm(db_url)
    provider = imap_user.server.oauth
    provider.rotate = True
    try:
        first = provider.grant(imap_user.name)
        token_file = tmp_path / "refresh_token"
        token_file.write_text(first + "\n")
        imap_user.append("INBOX", message(1))
        cfg = _oauth2_connector(imap_user, tmp_path, oauth2_refresh_token_file=str(token_file))
        _, report = _sync(tmp_path, db_url, cfg)
        assert report.status == "ok", report.error
        second = token_file.read_text().strip()
        assert second != first and second in provider.grants and first not in provider.grants
        assert token_file.stat().st_mode & 0o777 == 0o600
        assert not list(tmp_path.glob(".refresh_token*"))  # no temporary file left behind

        forget_tokens()  # a restarted daemon has only the file
        imap_user.append("INBOX", message(2))
        _, report = _sync(tmp_path, db_url, cfg)
        assert report.status == "ok", report.error
        assert _count(db_url) == 2
        assert token_file.read_text().strip() not in (first, second)
    finally:
        provider.rotate = False
        forget_tokens()


def test_oauth2_revoked_grant_is_auth_failure(
    imap_user: ImapUser, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCD_TEST_REFRESH", "rt-revoked")
    cfg = _oauth2_connector(
        imap_user, tmp_path, client_secret=False, oauth2_refresh_token_env="SYNCD_TEST_REFRESH"
    )
    _, report = _sync(tmp_path, db_url, cfg)
    assert report.status == "auth_failed"
    assert "invalid_grant" in (report.error or "")
