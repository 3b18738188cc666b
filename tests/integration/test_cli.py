"""The admin CLI as an admin meets it: exit codes and messages (both databases)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from syncd.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "demo"


def _config(tmp: Path, url: str) -> Path:
    (tmp / "mail" / "cur").mkdir(parents=True)
    (tmp / "mail" / "new").mkdir()
    (tmp / "mail" / "tmp").mkdir()
    cfg = tmp / "syncd.toml"
    cfg.write_text(
        f'[database]\nurl = "{url}"\n\n'
        '[organisation]\ninternal_domains = ["tatrasoft.sk"]\n\n'
        '[[connectors]]\nname = "archive"\nkind = "maildir"\npath = "mail"\n',
        encoding="utf-8",
    )
    return cfg


def _run(cfg: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(cfg), *args])
    return result.exit_code, result.output


def test_console_script_exit_codes_and_messages(tmp_path: Path) -> None:
    """The installed `syncd` command: clear one-line errors, no tracebacks."""
    import subprocess
    import sys

    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    syncd = [sys.executable, "-c", "from syncd.cli import main; main()", "--config", str(cfg)]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*syncd, *args], capture_output=True, text=True, timeout=60)

    before = run("status")
    assert before.returncode == 2 and "run `syncd init` first" in before.stderr
    assert "Traceback" not in before.stderr
    assert run("init").returncode == 0
    bad = tmp_path / "companies.csv"
    bad.write_text("name,registration_no,website,domains\nACME,1,,acme .sk\n", encoding="utf-8")
    refused = run("import", "companies", str(bad))
    assert refused.returncode == 2
    assert "line 2: domain 'acme .sk' is not a domain name" in refused.stderr


def test_import_errors_name_lines_and_write_nothing(tmp_path: Path, db_url: str) -> None:
    cfg = _config(tmp_path, db_url)
    assert _run(cfg, "init")[0] == 0
    bad = tmp_path / "contacts.csv"
    bad.write_text(
        "name,email,position,phone,company\n"
        "Ján Novák,jan@acme.sk,,,\n"
        "Broken,not-an-address,,,\n"
        "Nobody,nobody@x.sk,,,Unknown Company s.r.o.\n",
        encoding="utf-8",
    )
    from syncd.errors import ImportRowError

    result = CliRunner().invoke(cli, ["--config", str(cfg), "import", "contacts", str(bad)])
    assert isinstance(result.exception, ImportRowError)
    assert [line for line, _ in result.exception.problems] == [3, 4]
    code, out = _run(cfg, "timeline", "--contact", "jan@acme.sk")
    assert code != 0 and "no contact matches" in out  # nothing was half-imported


def test_connectors_list_test_and_status_json(tmp_path: Path, db_url: str) -> None:
    cfg = _config(tmp_path, db_url)
    assert _run(cfg, "init")[0] == 0
    code, out = _run(cfg, "connectors", "list", "--json")
    assert code == 0 and json.loads(out)[0]["name"] == "archive"
    code, out = _run(cfg, "connectors", "test", "archive")
    assert code == 0 and "OK" in out and "INBOX" in out
    code, out = _run(cfg, "connectors", "test", "nope")
    assert code != 0
    code, out = _run(cfg, "sync", "--once")
    assert code == 0, out
    code, out = _run(cfg, "status", "--json")
    row = json.loads(out)[0]
    assert (row["name"], row["status"], row["items"], row["quarantined"]) == ("archive", "ok", 0, 0)
    code, out = _run(cfg, "timeline")
    assert code == 2 and "exactly one of --company or --contact" in out


def test_bad_config_is_reported_by_field(tmp_path: Path) -> None:
    cfg = tmp_path / "syncd.toml"
    cfg.write_text('[[connectors]]\nname = "x"\nkind = "maildir"\nvisibility = "all"\n')
    result = CliRunner().invoke(cli, ["--config", str(cfg), "connectors", "list"])
    text = str(result.exception)
    assert "connectors[0].path" in text and "connectors[0].visibility" in text
