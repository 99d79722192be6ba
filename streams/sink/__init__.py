"""The warehouse sink: a kafka-python consumer group that stores the platform's topics in ClickHouse.

- events topic → ``events`` (``source`` = ``kafka:<topic>/<partition>``, ``source_offset`` = the offset);
  a message that is not a contract event (not JSON, not valid, keyed by another dossier) →
  ``rejected_events`` with its reason, and so is a version of an event id the warehouse (or the batch)
  holds with other content (``event_id.conflict``: the first version stays, :mod:`~streams.sink.conflicts`);
- dead-letters topic → ``rejected_events`` with the dead letter's own source, offset and reason;
- violations topic → ``violations`` (the detector's opened/retracted records).

Delivery is at least once and storage idempotent: offsets are committed only after the batch's warehouse
write succeeded, and every table is a ReplacingMergeTree whose key makes a redelivered row replace its
first copy (``ingested_at``/``rejected_at`` come from the Kafka record timestamp, so a redelivered row is
even byte-identical). While the warehouse is down the batch is retried with capped exponential backoff;
the consumer keeps polling with its partitions paused — during the backoff and during each attempt, which
runs in the writer thread — so it stays in the group and nothing is committed.

The group: a sink that cannot get into its consumer group within a deadline stops with
:class:`~streams.sink.group.GroupJoinTimeout` rather than hang (a stuck coordinator), and a new group can
be started from an old one's committed offsets (``SinkOptions.from_group``).

Poison records: a record the sink cannot convert (``sink.unconvertible``) or whose row the warehouse
refuses with a data error (``sink.unstorable``: the failed insert is bisected to find it) is stored in
``rejected_events`` with that reason instead, logged on one line and counted (``poison_records``), and
the batch's offsets are committed past it: a record that fails the same way on every attempt must not
stop the sink at its offset for good. A refusal counts as poison only when the record is refused alone
twice and a known-good row of the same table is accepted right after (:mod:`~streams.sink.isolate`);
otherwise the warehouse is at fault (``WarehouseRefuses``, e.g. a schema not migrated) and the batch is
retried, whatever its size. Errors that do not blame a value (the warehouse unreachable, out of space,
read-only, anything unrecognised) keep the retry above: nothing valid is ever dropped for them.

Throughput: a batch is written by a writer thread while the consumer thread polls and converts the next
one. One write is in flight at a time and its offsets are committed (by the consumer thread, in batch
order) only once it succeeded; a failed write is retried as above before the next batch is handed over.

The sink does not evaluate rules (the detector does). With ``fold`` it refreshes the dossier projection
(``dossiers``, ``dossier_outcomes``) of the dossiers each batch touched, which the SQL reporting form reads.

Modules, by role:
  - :mod:`~streams.sink.options` — how a worker runs (no I/O library: the composition root imports it);
  - :mod:`~streams.sink.isolate` — data errors told from outages, and the bisection that finds the rows
    the warehouse refuses;
  - :mod:`~streams.sink.batch` — records to warehouse rows, one batch at a time;
  - :mod:`~streams.sink.letter_texts` — a dead letter's texts masked before they are stored;
  - :mod:`~streams.sink.conflicts` — a batch's conflicting versions of stored events rejected;
  - :mod:`~streams.sink.poison` — a batch stored but for its refused records, which are rejected instead;
  - :mod:`~streams.sink.writer` — the writer thread (inserts, fold);
  - :mod:`~streams.sink.retry` — the warehouse retry policy, and the URL the sink writes through;
  - :mod:`~streams.sink.group` — the join deadline, and a new group from an old one's offsets;
  - :mod:`~streams.sink.collector` — the garbage collector's tuning while sinks run;
  - :mod:`~streams.sink.polling` — the consumer's settings and how long each of its polls waits;
  - :mod:`~streams.sink.worker` — the consumer loop, and the one owner of the commit order.
"""
