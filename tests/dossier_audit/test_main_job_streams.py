"""``run`` with a catalogue or calendar override given as a stream: the detector's child reads the path
again, and a stream is read once (a FIFO blocked the child, a ``/dev/fd`` pipe is not the child's: the last
read of 2026-12-07). The main job copies such an input to its workdir first; a file is used as it is."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bootstrap.settings import load_settings
from dossier_audit.jobs.main import _inputs_as_files

SAMPLE = Path(__file__).resolve().parents[2] / "inspections" / "data" / "sample_province.yaml"


def test_a_streamed_catalogue_is_copied_to_the_workdir_and_a_file_is_kept(tmp_path: Path) -> None:
    fifo = tmp_path / "catalogue.fifo"
    os.mkfifo(fifo)
    text = SAMPLE.read_bytes()

    def write() -> None:
        with open(fifo, "wb") as out:
            out.write(text)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    workdir = tmp_path / "work"
    workdir.mkdir()
    settings = load_settings(catalogue=fifo, calendar_override=None)
    copied = _inputs_as_files(settings, workdir)
    writer.join(timeout=10)
    assert copied.catalogue == workdir / "catalogue.input.yaml" and copied.catalogue.read_bytes() == text
    kept = load_settings(catalogue=SAMPLE)
    assert _inputs_as_files(kept, workdir) is kept
