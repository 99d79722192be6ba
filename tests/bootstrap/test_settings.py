"""Settings: the environment, an optional settings file, explicit overrides — in that order of strength."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from bootstrap.printed import PRINTED
from bootstrap.settings import CONFIG_FILE_VARIABLE, load_settings
from bootstrap.settings_file import SettingsError
from dossier_audit.cli import app
from tests.depth import examples


def test_file_then_environment_then_overrides(tmp_path, monkeypatch):
    conf = tmp_path / "settings.env"
    conf.write_text("DOSSIER_AUDIT_PARTITIONS=4\nDOSSIER_AUDIT_LANG=en\nDOSSIER_AUDIT_SINK_BATCH_SIZE=7\n")
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, str(conf))
    monkeypatch.setenv("DOSSIER_AUDIT_LANG", "vi")
    settings = load_settings(sink_batch_size=9)
    assert (settings.partitions, settings.lang, settings.sink_batch_size) == (4, "vi", 9)
    with pytest.raises(ValidationError):  # frozen: one configuration per process
        settings.partitions = 2


def test_a_missing_settings_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, str(tmp_path / "nope.env"))
    with pytest.raises(ValueError, match=r"nope\.env: no such file"):
        load_settings()
    result = CliRunner().invoke(app, ["--config", str(tmp_path / "nope.env"), "catalogue", "check", "x"])
    assert result.exit_code == 2
    assert "cannot read settings file" in result.stderr
    # A directory is not "no such file" (review of 2026-12-04).
    folder = CliRunner().invoke(app, ["--config", str(tmp_path), "catalogue", "check", "x"])
    assert folder.exit_code == 2 and f"{tmp_path}: it is a directory" in folder.stderr
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, str(tmp_path))
    with pytest.raises(ValueError, match="it is a directory"):
        load_settings()


def test_the_settings_file_is_read_as_written(tmp_path, monkeypatch):
    """python-dotenv expands ``${NAME}`` in values: a key holding ``${`` became another key, silently
    (review of 2026-12-04). The file is read literally; quotes still delimit a value."""
    monkeypatch.setenv("HOME", "/root")
    settings_file = tmp_path / "settings.env"
    key = "ab${HOME}cd$HOME-0123456789"
    settings_file.write_text(
        f"DOSSIER_AUDIT_PSEUDONYM_KEY={key}\nDOSSIER_AUDIT_WAREHOUSE='chdb:///x/${{y}}'\n"
    )
    settings = load_settings(settings_file)
    assert settings.pseudonym_key is not None and settings.pseudonym_key.get_secret_value() == key
    assert settings.warehouse == "chdb:///x/${y}"


def test_the_cli_reads_the_settings_file(tmp_path, monkeypatch):
    # `--config` exports the variable (for child workers): record it so the test's end removes it again.
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, "")
    monkeypatch.delenv(CONFIG_FILE_VARIABLE)
    events = tmp_path / "e.jsonl"
    events.write_text("")
    conf = tmp_path / "settings.env"
    conf.write_text(f"DOSSIER_AUDIT_CATALOGUE={tmp_path / 'missing-catalogue.yaml'}\n")
    result = CliRunner().invoke(app, ["--config", str(conf), "audit", str(events), "--as-of", "2025-11-03"])
    assert result.exit_code == 2
    assert "missing-catalogue.yaml" in result.stderr.replace("\n", "")


def test_no_settings_file_leaks_into_later_tests():
    import os

    assert not os.environ.get(CONFIG_FILE_VARIABLE)


def test_a_settings_file_line_that_is_not_name_value_is_an_error(tmp_path, monkeypatch):
    """python-dotenv passes over such a line with a warning: a pseudonym key written without its ``=`` was
    dropped, and the load went on with a one-off key (applicants' pseudonyms no later run reproduces)."""
    _no_config(monkeypatch)
    conf = tmp_path / "settings.env"
    for text, line in (
        ("# the key\nDOSSIER_AUDIT_PSEUDONYM_KEY 0123456789abcdef0123456789abcdef\n", 2),
        ("OTHER_TOOL_FLAG\n\nDOSSIER_AUDIT_LANG=en\ndossier_audit_pseudonym_key\n", 4),  # no value at all
        (
            "DOSSIER_AUDIT_LANG=en\n\nDOSSIER_AUDIT_SASL_PASSWORD='unterminated\nDOSSIER_AUDIT_PARTITIONS=3\n",
            3,
        ),
    ):
        conf.write_text(text)
        with pytest.raises(SettingsError, match=f"line {line} is not NAME=value") as caught:
            load_settings(conf)
        assert "0123456789abcdef" not in str(caught.value) and "unterminated" not in str(caught.value)
        result = CliRunner().invoke(app, ["--config", str(conf), "validate", str(conf)])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert f"line {line} is not NAME=value" in result.stderr


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ('"s3cr3t-value', 'its value opens a quote (") that the line does not close'),
        ("'s3cr3t-value", "its value opens a quote (') that the line does not close"),
        ('"s3cr3t\\"-value', 'its value opens a quote (") that the line does not close'),
        ('"s3cr3t"-value', 'its value goes on after its closing quote ("); quote all of it, or none'),
    ],
)
def test_a_quote_that_breaks_a_settings_line_is_named_never_the_value(tmp_path, monkeypatch, value, said):
    """ "line 3 is not NAME=value" for a line whose quote was not closed left the operator looking for
    the '=' (review); the value is never shown (a password)."""
    _no_config(monkeypatch)
    conf = tmp_path / "settings.env"
    for after in ("", 'DOSSIER_AUDIT_PARTITIONS="3"\n# a comment\n'):  # a quoted line after it too
        conf.write_text(f"DOSSIER_AUDIT_LANG=en\nDOSSIER_AUDIT_SASL_PASSWORD={value}\n{after}")
        with pytest.raises(SettingsError) as caught:
            load_settings(conf)
        assert str(caught.value).endswith(f"line 2 is not NAME=value (nor a # comment): {said}"), after
        assert "s3cr3t" not in str(caught.value)


def test_a_name_that_is_no_setting_is_an_error_with_the_closest_one(tmp_path, monkeypatch):
    _no_config(monkeypatch)
    conf = tmp_path / "settings.env"
    conf.write_text(
        "COMPOSE_PROJECT_NAME=audit\nDOSSIER_AUDIT_PSEUDONYM_KY=0123456789abcdef0123456789abcdef\n"
    )
    with pytest.raises(
        SettingsError, match="unknown setting DOSSIER_AUDIT_PSEUDONYM_KY in settings file"
    ) as e:
        load_settings(conf)
    assert "did you mean DOSSIER_AUDIT_PSEUDONYM_KEY?" in str(e.value) and "0123" not in str(e.value)
    conf.write_text("COMPOSE_PROJECT_NAME=audit\nDOSSIER_AUDIT_LANG=en\n")  # other names are the deployment's
    assert load_settings(conf).lang == "en"
    monkeypatch.setenv("dossier_audit_rulebok_version", "1")  # pydantic-settings reads names in any case
    with pytest.raises(
        SettingsError, match="in the environment; did you mean DOSSIER_AUDIT_RULEBOOK_VERSION"
    ):
        load_settings()


def test_the_apology_lead_is_bounded(monkeypatch):
    """A lead of 100,000 working days put the deadline before the calendar's first year: every late dossier
    with an apology became an AUDIT_ERROR instead of its violations."""
    _no_config(monkeypatch)
    monkeypatch.setenv("DOSSIER_AUDIT_APOLOGY_LEAD_WORKING_DAYS", "100000")
    with pytest.raises(
        SettingsError, match="APOLOGY_LEAD_WORKING_DAYS='100000': must be an integer ≥ 0 and ≤ 60"
    ):
        load_settings()
    monkeypatch.setenv("DOSSIER_AUDIT_APOLOGY_LEAD_WORKING_DAYS", "60")
    assert load_settings().apology_lead_working_days == 60


@pytest.mark.parametrize("name", ["WORKDIR", "REPORTS_DIR", "CATALOGUE", "CALENDAR_OVERRIDE", "SSL_CAFILE"])
def test_an_empty_path_is_named_not_read_as_the_current_directory(monkeypatch, name):
    """``DOSSIER_AUDIT_WORKDIR=`` put the warehouse, broker logs and pseudonym key in the current directory;
    an empty catalogue path was read as ".", a directory."""
    _no_config(monkeypatch)
    for empty in ("", "  "):
        monkeypatch.setenv(f"DOSSIER_AUDIT_{name}", empty)
        with pytest.raises(SettingsError, match=f"^bad setting: DOSSIER_AUDIT_{name}=.*: is empty: unset it"):
            load_settings()
    monkeypatch.delenv(f"DOSSIER_AUDIT_{name}")
    assert load_settings().workdir == Path(".dossier-audit")


def test_a_key_left_at_the_env_examples_placeholder_is_named(monkeypatch):
    """deploy/env.example leaves CHANGE_ME in every value to set; a key left so said "must be at least 16
    bytes", which sent the operator looking for a length problem (review of 2026-12-04)."""
    _no_config(monkeypatch)
    for name in ("DOSSIER_AUDIT_PSEUDONYM_KEY", "DOSSIER_AUDIT_CONSOLE_SESSION_SECRET"):
        monkeypatch.setenv(name, "CHANGE_ME")
        with pytest.raises(SettingsError, match=f"{name[len('DOSSIER_AUDIT_') :]}.*is still CHANGE_ME"):
            load_settings()
        monkeypatch.delenv(name)


def test_a_password_or_proxy_left_at_the_placeholder_stops_the_service_that_reads_it(monkeypatch):
    """The ClickHouse server takes a password left at CHANGE_ME as the password, and the console trusted a
    proxy named so: the guide said a value left at CHANGE_ME stops the services that read it, and for
    four of the six nothing did (review). The message never quotes the URL."""
    _no_config(monkeypatch)
    url = "clickhouse://writer:CHANGE_ME@clickhouse:9000/dossier_audit"
    for name in ("WAREHOUSE", "CONSOLE_CASES_WAREHOUSE", "DETECTOR_HISTORY"):
        monkeypatch.setenv(f"DOSSIER_AUDIT_{name}", url)
        with pytest.raises(SettingsError, match=f"{name}: holds the password CHANGE_ME") as raised:
            load_settings()
        assert "writer" not in str(raised.value) and "clickhouse:9000" not in str(raised.value)
        monkeypatch.setenv(f"DOSSIER_AUDIT_{name}", url.replace("CHANGE_ME", "CHANGE%5FME"))  # encoded
        with pytest.raises(SettingsError, match="holds the password CHANGE_ME"):
            load_settings()
        monkeypatch.setenv(f"DOSSIER_AUDIT_{name}", url.replace("CHANGE_ME", "s3cret-CHANGE_ME"))
        load_settings()  # a password that merely contains it is the operator's
        monkeypatch.delenv(f"DOSSIER_AUDIT_{name}")
    for name, value in (("SASL_PASSWORD", "CHANGE_ME"), ("CONSOLE_TRUSTED_PROXIES", "10.0.0.5, CHANGE_ME")):
        monkeypatch.setenv(f"DOSSIER_AUDIT_{name}", value)
        with pytest.raises(SettingsError, match=f"{name}.*is still CHANGE_ME"):
            load_settings()
        monkeypatch.delenv(f"DOSSIER_AUDIT_{name}")
    monkeypatch.setenv("DOSSIER_AUDIT_CONSOLE_TRUSTED_PROXIES", "10.0.0.5")
    assert load_settings().console_trusted_proxies == "10.0.0.5"


def test_the_compose_deployment_gives_the_console_secret_to_the_console_alone():
    """Every platform container reads the same .env; a DOSSIER_AUDIT_CONSOLE_SESSION_SECRET left at
    CHANGE_ME there stopped init, the workers and Dagster, which never use it (review of 2026-12-04)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    example = (root / "deploy" / "env.example").read_text(encoding="utf-8")
    to_set = [line.split("=", 1)[0] for line in example.splitlines() if line.endswith("=CHANGE_ME")]
    # Only the pseudonymisation key is a setting every container reads; the others are the compose file's.
    assert [name for name in to_set if name.startswith("DOSSIER_AUDIT_")] == ["DOSSIER_AUDIT_PSEUDONYM_KEY"]
    guide = (root / "docs" / "operators-guide.md").read_text(encoding="utf-8")
    assert "six CHANGE_ME values" in guide and len(to_set) == 6
    assert all(f"`{name}`" in guide or name.startswith("CLICKHOUSE_") for name in to_set)


def test_the_env_examples_report_values_read_back_whole(tmp_path, monkeypatch) -> None:
    """The deployment's settings example (deploy/site/settings.env.example, where they moved from
    deploy/env.example) quotes the report's values that hold spaces (a shell sourcing it reads them whole);
    uncommented into a settings file, each reads back as written between its quotes."""
    from pathlib import Path

    _no_config(monkeypatch)
    site = Path(__file__).resolve().parents[2] / "deploy" / "site"
    example = (site / "settings.env.example").read_text(encoding="utf-8")
    lines = [line[2:] for line in example.splitlines() if line.startswith("# DOSSIER_AUDIT_REPORT_")]
    conf = tmp_path / "report.env"
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = load_settings(conf)
    assert got.report_issuer == "ỦY BAN NHÂN DÂN TỈNH MẪU" and got.report_place == "Mẫu"
    assert got.report_signer_name == "Nguyễn Văn An" and got.report_signer_title == "TỔ TRƯỞNG"
    assert got.report_copies == "Như trên;Văn phòng UBND tỉnh;Sở Nội vụ (theo dõi);Lưu: VT"
    quoted = [line for line in lines if "'" in line]
    assert len(quoted) == 6 and all(line.split("=", 1)[1] == f"'{value}'" for line, value in zip(quoted, [
        got.report_issuer, got.report_team, got.report_addressee, got.report_signer_title,
        got.report_signer_name, got.report_copies], strict=True))  # fmt: skip
    # And a shell sourcing the file reads the same values (unquoted, it ran the words after a space).
    shell = subprocess.run(
        ["bash", "-c", 'set -a && . "$1" && printf "%s\\n" "$DOSSIER_AUDIT_REPORT_ISSUER" '
         '"$DOSSIER_AUDIT_REPORT_COPIES"', "-", str(conf)],
        capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert shell.stdout.splitlines() == [got.report_issuer, got.report_copies] and not shell.stderr


@settings(
    max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(st.characters(codec="utf-8"), max_size=80) | st.sampled_from(
    ["A=1\n", "DOSSIER_AUDIT_LANG=en", "export DOSSIER_AUDIT_LANG=vi\n", "DOSSIER_AUDIT_X=1", "=1", "'",
     '"\n', "DOSSIER_AUDIT_PARTITIONS=0\n", "# c\n\n\n"]))  # fmt: skip
def test_any_settings_file_gives_settings_or_one_line(tmp_path, monkeypatch, text) -> None:
    _no_config(monkeypatch)
    conf = tmp_path / "any.env"
    conf.write_text(text, encoding="utf-8")
    try:
        load_settings(conf)
    except SettingsError as exc:
        assert "\n" not in str(exc)


def _no_config(monkeypatch) -> None:
    """No settings file named in the environment, and none left named after the test (``--config`` names
    its file there, for child workers)."""
    monkeypatch.setenv(CONFIG_FILE_VARIABLE, "")
    monkeypatch.delenv(CONFIG_FILE_VARIABLE)


def test_a_setting_written_twice_in_the_file_is_refused(tmp_path, monkeypatch) -> None:
    """The last line won, silently (review): an operator who added a line below the one they meant to
    change saw no effect. Names are read in any case, as the settings are; other names are left alone (a
    shared .env)."""
    _no_config(monkeypatch)
    conf = tmp_path / "settings.env"
    text = "\n# lang\nDOSSIER_AUDIT_LANG=en\nPATH=/x\nPATH=/y\n\ndossier_audit_lang=vi\n"
    conf.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as raised:
        load_settings(conf)
    assert str(raised.value) == (
        f"dossier_audit_lang is set twice in settings file {conf} (lines 3 and 7): keep one"
    )
    conf.write_text("DOSSIER_AUDIT_LANG=en\nPATH=/x\nPATH=/y\n", encoding="utf-8")
    assert load_settings(conf).lang == "en"


@settings(max_examples=examples(30), deadline=None)
@given(
    field=st.sampled_from(PRINTED),
    before=st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=8),
    control=st.characters(categories=["Cc"]),
)
def test_a_printed_setting_with_a_control_character_is_refused_naming_it(field, before, control):
    """``DOSSIER_AUDIT_REPORT_COPIES=$'a\\x01b'`` reached report.html and the PDF as it was (fuzz review)."""
    with pytest.raises(SettingsError) as caught:
        load_settings(**{field: f"{before}{control}x"})
    assert f"U+{ord(control):04X}, character {len(before) + 1}" in str(caught.value)


def test_printed_settings_take_vietnamese_text_and_their_separators():
    s = load_settings(report_signer_title="KT. CHỦ TỊCH|PHÓ CHỦ TỊCH", report_copies="Như trên;Lưu: VT",
                      report_signer_name="Nguyễn Thị Ánh Tuyết")  # fmt: skip
    assert s.report_signer_name == "Nguyễn Thị Ánh Tuyết"


def test_a_setting_empty_in_the_environment_over_a_value_in_the_file_is_refused(tmp_path, monkeypatch):
    """docker compose passes ``DOSSIER_AUDIT_NOTIFY_WEBHOOK`` to its daemon, empty when .env has none; the
    environment wins and empty reads as unset, so a webhook written in settings.env was dropped and no failed
    run was told (review). Refused in one line naming what wins, never the value (a webhook is a secret)."""
    _no_config(monkeypatch)
    webhook = "https://chat.example.vn/hooks/s3cr3t"
    conf = tmp_path / "settings.env"
    conf.write_text(f"DOSSIER_AUDIT_LANG=en\nDOSSIER_AUDIT_NOTIFY_WEBHOOK={webhook}\n", encoding="utf-8")
    monkeypatch.setenv("DOSSIER_AUDIT_NOTIFY_WEBHOOK", "")
    with pytest.raises(SettingsError) as raised:
        load_settings(conf)
    assert str(raised.value) == (
        "DOSSIER_AUDIT_NOTIFY_WEBHOOK is empty in the environment, which wins over its value in settings "
        f"file {conf}: set it in the environment (with docker compose: in .env), or unset it there"
    )
    assert "s3cr3t" not in str(raised.value)
    monkeypatch.delenv("DOSSIER_AUDIT_NOTIFY_WEBHOOK")  # unset: the file's
    settings = load_settings(conf)
    assert settings.notify_webhook is not None and settings.notify_webhook.get_secret_value() == webhook
    monkeypatch.setenv("DOSSIER_AUDIT_NOTIFY_WEBHOOK", "https://chat.example.vn/hooks/other")  # set: it wins
    assert load_settings(conf).notify_webhook.get_secret_value().endswith("/other")
    # Empty in both, or in the environment alone: nothing is dropped.
    monkeypatch.setenv("DOSSIER_AUDIT_NOTIFY_WEBHOOK", "")
    conf.write_text("DOSSIER_AUDIT_NOTIFY_WEBHOOK=\n", encoding="utf-8")
    assert load_settings(conf).notify_webhook is None
    conf.write_text("DOSSIER_AUDIT_LANG=en\n", encoding="utf-8")
    assert load_settings(conf).notify_webhook is None
