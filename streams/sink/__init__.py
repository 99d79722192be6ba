"""The warehouse sink: a kafka-python consumer group that stores the platform's topics in ClickHouse.

- events topic → ``events`` (``source`` = ``kafka:<topic>/<partition>``, ``source_offset`` = the offset);
  a message that is not a contract event (not JSON, not valid) → ``rejected_events`` with its reason;
- dead-letters topic → ``rejected_events`` with the dead letter's own source, offset and reason;
- violations topic → ``violations`` (the detector's opened/retracted records).

Delivery is at least once and storage idempotent: offsets are committed only after the batch's warehouse
write succeeded, and every table is a ReplacingMergeTree whose key makes a redelivered row replace its
first copy (``ingested_at``/``rejected_at`` come from the Kafka record timestamp, so a redelivered row is
even byte-identical). While the warehouse is down the batch is retried with capped exponential backoff;
the consumer keeps polling with its partitions paused, so it stays in the group and nothing is committed.

Throughput: a batch is written by a writer thread while the consumer thread polls and converts the next
one. One write is in flight at a time and its offsets are committed (by the consumer thread, in batch
order) only once it succeeded; a failed write is retried as above before the next batch is handed over.

The sink does not evaluate rules (the detector does). With ``fold`` it refreshes the dossier projection
(``dossiers``, ``dossier_outcomes``) of the dossiers each batch touched, which the SQL reporting form reads.

Modules, by role:
  - :mod:`~streams.sink.options` — how a worker runs (no I/O library: the composition root imports it);
  - :mod:`~streams.sink.batch` — records to warehouse rows, one batch at a time;
  - :mod:`~streams.sink.writer` — the writer thread (inserts, fold);
  - :mod:`~streams.sink.retry` — the warehouse retry policy;
  - :mod:`~streams.sink.worker` — the consumer loop, and the one owner of the commit order.
"""
