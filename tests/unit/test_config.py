"""Config validation: every problem named by its field path."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config import load_settings, parse_duration, parse_settings
from syncd.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_example_and_demo_configs_validate() -> None:
    example = load_settings(ROOT / "config" / "syncd.example.toml")
    assert {"maildir", "mbox", "eml", "ics", "caldav"} <= {c.kind for c in example.connectors}
    demo = load_settings(ROOT / "config" / "demo" / "syncd.toml")
    assert demo.database.url == f"sqlite:///{(ROOT / 'var' / 'demo.sqlite').resolve()}"
    assert demo.connector("peter-mail").path == (ROOT / "config" / "demo" / "mail").resolve()


def test_all_problems_reported_with_field_paths(tmp_path: Path) -> None:
    data = {
        "matching": {"auto_create": "everything"},
        "sync": {"interval": "soon"},
        "connectors": [
            {"name": "ok", "kind": "maildir", "path": "m"},
            {"name": "bad name!", "kind": "maildir"},
            {"name": "x", "kind": "pop3", "path": "p"},
            {"name": "ok", "kind": "mbox", "path": "m", "visibility": "everything"},
        ],
    }
    with pytest.raises(ConfigError) as err:
        parse_settings(data, tmp_path)
    text = str(err.value)
    for expected in (
        "matching.auto_create",
        "sync.interval",
        "connectors[1].name",
        "connectors[1].path: Field required",
        "connectors[2]",
        "connectors[3].visibility",
    ):
        assert expected in text, (expected, text)


def test_duplicate_connector_names_are_refused(tmp_path: Path) -> None:
    data = {"connectors": [{"name": "a", "kind": "mbox", "path": "x"}] * 2}
    with pytest.raises(ConfigError, match="used twice"):
        parse_settings(data, tmp_path)


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"database\.pasword"):
        parse_settings({"database": {"pasword": "x"}}, tmp_path)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[database\nurl=1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "missing.toml")


def test_environment_overrides_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = parse_settings({"database": {"url": "sqlite:///a.sqlite"}}, tmp_path)
    assert s.database_url() == f"sqlite:///{tmp_path / 'a.sqlite'}"
    monkeypatch.setenv("SYNCD_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert s.database_url() == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("5m", 300), ("2h", 7200), ("90d", 90 * 86400), (15, 15)]
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_secrets_resolve_from_env_file_or_systemd_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"name": "m", "kind": "imap", "host": "127.0.0.1", "username": "peter"}

    def conn(**extra: str) -> object:
        return parse_settings({"connectors": [{**base, **extra}]}, tmp_path).connectors[0]

    monkeypatch.setenv("PETER_IMAP", "s3cret")
    assert conn(password_env="PETER_IMAP").password() == "s3cret"  # type: ignore[attr-defined]
    (tmp_path / "pw").write_text("from-file\n")
    assert conn(password_file="pw").password() == "from-file"  # type: ignore[attr-defined]
    (tmp_path / "creds").mkdir()
    (tmp_path / "creds" / "peter-imap").write_text("from-systemd")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "creds"))
    assert conn(password_credential="peter-imap").password() == "from-systemd"  # type: ignore[attr-defined]
    monkeypatch.delenv("PETER_IMAP")
    with pytest.raises(ConfigError, match="PETER_IMAP is not set"):
        conn(password_env="PETER_IMAP").password()  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="only one of"):
        conn(password_env="A", password_file="pw")


def test_inline_passwords_are_refused(tmp_path: Path) -> None:
    data = {
        "connectors": [
            {"name": "m", "kind": "imap", "host": "h", "username": "u", "password": "plain-text"}
        ]
    }
    with pytest.raises(ConfigError, match=r"connectors\[0\]\.password"):
        parse_settings(data, tmp_path)


def test_organisation_entries_are_normalised_and_checked(tmp_path: Path) -> None:
    org = parse_settings(
        {
            "organisation": {
                "internal_domains": ["@OurCo.SK", "xn--bcher-kva.de", "Kolega@Gmail.com"],
                "users": [{"name": "Peter", "email": " Peter.Home@GMAIL.com "}],
            }
        },
        tmp_path,
    ).organisation
    assert org.internal_domains == ["ourco.sk", "bücher.de", "kolega@gmail.com"]
    assert org.users[0].email == "peter.home@gmail.com"
    bad = {
        "organisation": {
            "internal_domains": ["ourco.sk", "not a domain", "x" * 300 + ".sk"],
            "users": [{"name": "Eva", "email": "eva-at-ourco.sk"}],
        }
    }
    with pytest.raises(ConfigError) as err:
        parse_settings(bad, tmp_path)
    text = str(err.value)
    assert "organisation.internal_domains" in text and "neither a domain" in text
    assert "organisation.users[0].email" in text or "organisation.users.0.email" in text
    too_long = {"organisation": {"internal_domains": ["x" * 300 + ".sk"]}}
    with pytest.raises(ConfigError, match="longer than 255 characters"):
        parse_settings(too_long, tmp_path)
