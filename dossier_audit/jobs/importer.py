"""``import dvcqg``: DVCQG payload files in, contract events out (to a JSONL file or to Kafka).

What happens, in order (the first step in ``import_inputs``):

1. :func:`collect_inputs`: the PATHs given, folders walked (``*.json`` and ``*.jsonl``, hidden files left
   out, in name order: payload logs named by time are read oldest first); a path that does not exist, a
   folder holding no payload file or a file that cannot be opened is an :class:`ImportInputError` (the
   command says it in one line, exit 2) before anything is written. A pipe or FIFO (``<(zcat log.gz)``)
   is read once, where it stands in the order;
2. :func:`import_outputs`: every dossier record read before any history row (a history row needs its
   dossier's unit, channels and receipt): the files in the order given without their rows, then those that
   held rows again for them alone; each file streamed through ``sources.dvcqg`` (memory: one record, plus
   the small per-dossier state ``sources.dvcqg.state`` describes), yielding contract event lines and
   rejected records in a deterministic order, then the events deduced at the end. A file that breaks off
   mid-way (bad JSON, an I/O error) or is gzip-compressed is a counted rejection, and the next file is read;
3. a sink: :func:`write_jsonl` (the events file and the rejected file, each written to a temporary file and
   renamed when complete, so a failed run leaves no half file) or :func:`produce` (Kafka, as ``ingest``
   does: events keyed by dossier, rejected records to the dead letters).

Any other sink (issue 18's fast warehouse load) consumes the same iterator of outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
import yaml

from bootstrap.platform import Platform
from dossier_audit.jobs.import_inputs import (
    PAYLOAD_SUFFIXES,
    ImportInputError,
    collect_inputs,
    is_history,
    is_json_lines,
    is_regular,
)
from dossier_audit.jobs.load_result import LoadProgress, LoadResult
from dossier_audit.jobs.load_start import refuse_beside_running
from dossier_audit.jobs.warehouse import load_lines
from dossier_audit.whole_files import written_whole
from inspections.files.yaml_marked import MarkedConstruction, UniqueKeys, where_and_what
from schemas.diagnosis import GZIP_MAGIC
from schemas.pseudonym import Pseudonymiser
from schemas.validation import Rejection
from sources.dvcqg import DvcqgImporter, EventLine, Output, read_records
from sources.dvcqg.privacy import raw_scrubber
from sources.dvcqg.reader import Record
from sources.dvcqg.units import exact_name
from warehouse.base import Warehouse
from warehouse.migrate import migrate
from warehouse.pseudonym_keys import check_key
from warehouse.store import REJECTION_COLUMNS, Batch, rejection_row

__all__ = [
    "PAYLOAD_SUFFIXES",
    "ImportInputError",
    "ImportSink",
    "collect_inputs",
    "import_outputs",
    "load_units_map",
    "produce",
    "rejected_path_for",
    "write_jsonl",
]

#: What a payload file that starts as gzip data is told.
_GZIPPED = "the file is gzip-compressed: decompress it first (gunzip -k FILE)"


class _UnitsLoader(UniqueKeys, MarkedConstruction, yaml.SafeLoader):
    """The safe loader, refusing a unit name given twice (``yaml_marked.UniqueKeys``): PyYAML kept the last
    code, and the unit's dossiers went to it without a word."""


def load_units_map(path: Path) -> dict[str, str]:
    """The ``--units`` mapping: a YAML (or JSON) mapping of ``DonViXuLy`` names to unit codes."""
    try:
        text = path.read_bytes()
    except IsADirectoryError:
        raise ImportInputError(f"cannot read --units {path}: it is a directory") from None
    except OSError as exc:
        raise ImportInputError(f"cannot read --units {path}: {exc.strerror}") from None
    try:
        doc = yaml.load(text.decode("utf-8-sig"), Loader=_UnitsLoader)
    except yaml.MarkedYAMLError as exc:  # where it stands, as a calendar override's reader says it
        said = where_and_what(exc)
        if isinstance(exc, yaml.constructor.ConstructorError):  # YAML, but a value or a key refused
            raise ImportInputError(f"--units {path}: {said}") from None
        raise ImportInputError(f"--units {path} is not a YAML or JSON mapping: {said}") from None
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        problem = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise ImportInputError(f"--units {path} is not a YAML or JSON mapping: {problem}") from None
    if not isinstance(doc, dict) or not doc:
        raise ImportInputError(f"--units {path} must map unit names (DonViXuLy) to unit codes")
    mapping: dict[str, str] = {}
    for name, code in doc.items():
        if not isinstance(name, str) or not isinstance(code, str) or not name.strip() or not code.strip():
            raise ImportInputError(
                f"--units {path}: every entry must be 'unit name: unit code' with two non-empty texts "
                f"(not {str(name)[:60]!r})"
            )
        mapping[name] = code.strip()
    # The importer matches names as written in any case, spacing or "UBND" spelt out (``units.exact_name``):
    # two spellings of one name with two codes left the last one read in force, without a word (review of
    # the diff). One code under both is harmless.
    spelt: dict[str, str] = {}
    for name, code in mapping.items():
        first = spelt.setdefault(exact_name(name), name)
        if first != name and mapping[first] != code:
            raise ImportInputError(
                f"--units {path}: {first!r} and {name!r} are one unit name written two ways, with two codes "
                f"({mapping[first]}, {code}): keep one"
            )
    return mapping


def import_outputs(
    files: list[Path], imp: DvcqgImporter, *, on_bytes: Callable[[int], None] | None = None
) -> Iterator[Output]:
    """Every output of importing ``files`` in this order with ``imp``, the deduced events last; ``imp.stats``
    holds the counts after. ``on_bytes(n)``: bytes read so far over all files (the first reading).

    Every dossier record is read before any history row, whichever files hold them: a history row needs its
    dossier's unit, return channel and receipt. The files are read in the order given, history rows left
    out, then those that held some are read again for them alone. Ordering whole files by their first
    record's kind misplaced a log holding both kinds (one body per line, day after day) that began with a
    progress body: its dossier snapshots were read after the next days' and the due dates compared in the
    wrong order (false ``OLD_DUE_DATE_MISMATCH`` findings), and its rows before their own record (DVCQG
    review). A pipe or FIFO can be read once only: all of it, where it stands."""
    done = 0
    again: list[Path] = []
    for file in files:
        once = not is_regular(file)
        tick = None if on_bytes is None else _offset(on_bytes, done)
        rows = yield from _read_file(imp, file, _ALL if once else _RECORDS, tick)
        if rows and not once:
            again.append(file)
        with suppress(OSError):
            done += file.stat().st_size
        if on_bytes is not None:
            on_bytes(done)
    for file in again:
        yield from _read_file(imp, file, _ROWS, None)
    yield from imp.finish()


#: What one reading of a file passes on: everything; all but the history rows; the history rows alone.
_ALL, _RECORDS, _ROWS = "all", "records", "rows"


def _read_file(
    imp: DvcqgImporter, file: Path, wanted: str, tick: Callable[[int], None] | None
) -> Generator[Output, None, bool]:
    """The outputs of one reading of ``file`` (``wanted``: :data:`_ALL`, :data:`_RECORDS` or :data:`_ROWS`);
    returns whether it held a history row. A problem reading it is said by its first reading only."""
    imp.start_file(str(file), again=wanted == _ROWS)
    last = 0
    rows = False
    try:
        with file.open("rb") as fh:
            if _gzipped(fh):  # said so: it read as two "lexical error"s, not JSON (review)
                if wanted != _ROWS:
                    yield from imp.problem(1, "json.invalid", _GZIPPED)
                return False
            for item in read_records(fh, on_bytes=tick, lines=is_json_lines(file)):
                last = max(last, getattr(item, "index", 0))
                row = isinstance(item, Record) and is_history(item.value)
                rows = rows or row
                if wanted == _ALL or (wanted == _ROWS) == row:
                    yield from imp.read(item)
    except OSError as exc:
        if wanted != _ROWS:  # the second reading stops where the first did: said once
            message = f"the file could not be read further: {exc.strerror}"
            yield from imp.problem(last + 1, "file.unreadable", message)
    return rows


def _gzipped(fh: IO[bytes]) -> bool:
    """Whether a file (not a stream: it cannot be read twice) starts as gzip data."""
    if not fh.seekable():
        return False
    head = fh.read(2)
    fh.seek(0)
    return head == GZIP_MAGIC


def _offset(on_bytes: Callable[[int], None], done: int) -> Callable[[int], None]:
    return lambda n: on_bytes(done + n)


@dataclass
class ImportSink:
    """What a sink wrote."""

    events: int = 0
    rejected: int = 0
    targets: dict[str, str] = field(default_factory=dict)


def write_jsonl(
    outputs: Iterable[Output], out: Path, rejected: Path, scrub: Callable[[bytes], bytes]
) -> ImportSink:
    """Events to ``out``, rejected records to ``rejected`` (JSON lines), each complete or not at all; each
    rejected record's raw through ``scrub`` (``privacy.raw_scrubber``), as the warehouse stores it: the
    import's own scrubbing left an address, a phone in brackets and a passport number of a record it could
    not map in clear in the file and the dead letters, where the warehouse's rejections had none (review)."""
    sink = ImportSink(targets={"out": str(out), "rejected_out": str(rejected)})
    with _AtomicFile(out) as events_fh, _AtomicFile(rejected) as rejected_fh:
        for item in outputs:
            if isinstance(item, EventLine):
                events_fh.write(item.line)
                events_fh.write(b"\n")
                sink.events += 1
            else:
                rejected_fh.write(orjson.dumps(replace(item, raw=scrub(item.raw)).to_json()))
                rejected_fh.write(b"\n")
                sink.rejected += 1
    return sink


class _AtomicFile:
    """``whole_files.written_whole`` of ``path`` (complete or not at all; a link or a pipe written through),
    its own failures as :class:`ImportInputError`: those of the block that writes it stay what they are."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._whole = written_whole(path, buffering=1 << 20)

    def __enter__(self) -> IO[bytes]:
        try:
            return self._whole.__enter__()
        except OSError as exc:
            raise ImportInputError(f"cannot write {self.path}: {exc.strerror}") from None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if kind is not None:
            self._whole.__exit__(kind, exc, tb)
            return
        try:
            self._whole.__exit__(None, None, None)
        except OSError as error:
            raise ImportInputError(f"cannot write {self.path}: {error.strerror}") from None


def produce(
    outputs: Iterable[Output],
    kafka: Any,
    topics: Any,
    pseudonymiser: Pseudonymiser,
    *,
    source: str,
) -> ImportSink:
    """Events to the events topic through ``ingest`` (validated again, keyed by dossier), rejected records to
    the dead-letter topic, through one producer; raises ``streams.ingest.IngestError`` when any message was
    not delivered."""
    # Imported here: kafka-python costs ~0.2 s at start-up, and only this sink needs it.
    from kafka.errors import KafkaError

    from streams.ingest import IngestError, KafkaUnreachable, ingest_lines, make_producer
    from streams.messages import DeadLetter
    from streams.topics import TopicError, ensure_topics

    servers = kafka.described
    try:
        ensure_topics(kafka, topics.specs())
        producer = make_producer(kafka)
    except (TopicError, KafkaError) as exc:
        raise KafkaUnreachable(f"cannot reach Kafka at {servers}: {exc}") from None
    sink = ImportSink(targets={"events_topic": topics.events, "dead_letters_topic": topics.dead_letters})
    failures: list[BaseException] = []
    scrub = raw_scrubber(pseudonymiser)

    def lines() -> Iterator[bytes]:
        for item in outputs:
            if isinstance(item, EventLine):
                yield item.line
                continue
            raw = scrub(item.raw)  # as write_jsonl and the warehouse's rejections
            letter = DeadLetter(item.source, item.index, item.code, item.message, raw, datetime.now(UTC))
            producer.send(topics.dead_letters, value=letter.encode()).add_errback(failures.append)
            sink.rejected += 1

    try:
        report = ingest_lines(
            kafka, topics, lines(), source, pseudonymiser=pseudonymiser, producer=producer, ensure=False
        )
    finally:
        producer.close(timeout=5)
    if failures:
        raise IngestError(
            f"{len(failures):,} rejected records were not delivered to the dead letters at {servers}: "
            f"{failures[0]}"
        )
    sink.events = report.produced
    sink.rejected += report.rejected_total
    return sink


def load_into(
    outputs: Iterable[Output],
    platform: Platform,
    wh: Warehouse,
    as_of: datetime,
    *,
    source: str,
    on_progress: LoadProgress | None = None,
    on_key_adopted: Callable[[str], None] | None = None,
) -> tuple[ImportSink, LoadResult]:
    """Events straight into the warehouse through the load's own path (``jobs.warehouse.load_lines``: folded
    and judged while read, load-run records, re-loads idempotent); rejected records into ``rejected_events``
    with their reason, as the sink stores the dead letters ``produce`` sends (raw scrubbed again, like any
    rejected line). The rejections are written once the import has been read, before the events are stored:
    a load interrupted after them leaves its run unfinished, and a re-import stores them once (the table
    keeps one row per source, record and raw hash)."""
    migrate(wh)  # the load would; the rejections come first
    # And are scrubbed under the warehouse's key; an adopted key is said at once.
    check_key(wh, platform.pseudonymiser.fingerprint, on_adopted=on_key_adopted)
    refuse_beside_running(wh)  # before the import is read and its rejections stored (the load looks again)
    sink = ImportSink()
    rejected = Batch(wh, "rejected_events", REJECTION_COLUMNS, 5_000)
    at = datetime.now(UTC)
    scrub = raw_scrubber(platform.pseudonymiser)

    def lines() -> Iterator[bytes]:
        for item in outputs:
            if isinstance(item, EventLine):
                sink.events += 1
                yield item.line
                continue
            raw = scrub(item.raw)
            rejection = Rejection(item.code, item.message, item.index, raw)
            rejected.add(*rejection_row(rejection, item.source, raw, at))
            sink.rejected += 1
        rejected.flush()

    result = load_lines(platform, wh, lines(), as_of, source=source, on_progress=on_progress)
    return sink, result


def rejected_path_for(out: Path) -> Path:
    """Where the rejected records of ``--out FILE`` go unless ``--rejected`` says: beside it."""
    name = out.name
    stem = name[: -len(".jsonl")] if name.endswith(".jsonl") else name
    return out.with_name(f"{stem}.rejected.jsonl")


#: The members that tell this command's output lines apart from a payload's: an events line, and a rejected
#: record's line (``RejectedRecord.to_json``).
_OUTPUT_MEMBERS = ({"schema_version", "event_id", "type"}, {"reason_code", "reason", "raw"})


def written_by_import(path: Path) -> bool:
    """Whether ``path`` is empty or holds what ``--out`` or ``--rejected`` write (its first line one of
    their lines): a file this command may write over. A national-portal payload is neither."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline(1 << 20).strip()
    except OSError:
        return False
    if not first:
        return True
    try:
        line = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(line, dict) and any(members <= line.keys() for members in _OUTPUT_MEMBERS)
