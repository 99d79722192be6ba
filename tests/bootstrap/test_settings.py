"""Settings: the environment, an optional settings file, explicit overrides — in that order of strength."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bootstrap.settings import CONFIG_FILE_VARIABLE, load_settings
from dossier_audit.cli import app


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
    with pytest.raises(ValueError, match="does not exist"):
        load_settings()
    result = CliRunner().invoke(app, ["--config", str(tmp_path / "nope.env"), "catalogue", "check", "x"])
    assert result.exit_code == 2
    assert "cannot read settings file" in result.stderr


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
