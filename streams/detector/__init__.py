"""The violation detector: a Faust app whose agent feeds event batches to the pure core
(:mod:`streams.detector.core`) and publishes what opened and what was retracted.

Layout
  - events topic (keyed by ``dossier_id``) → the ``detect`` agent: decode (bad input becomes a dead letter,
    the stream goes on), group the batch per partition, ``PartitionState.apply``, emit. A message whose
    processing raises becomes a dead letter too (``detector.unprocessable``), never a crash loop.
  - two Faust tables, co-partitioned with the events topic (same key, same partition count; every write
    goes to the partition of the events it came from): ``dossiers`` (per dossier: its deduplicated events,
    the violations published as open, its next deadline) and ``partitions`` (per partition: the
    watermark). Memory store, changelog-backed: after a rebalance or a restart a worker rebuilds the
    partitions newly assigned to it from the changelog, read to its true end (a fetch's highwater: tansu's
    ListOffsets stops at the last batch's base offset + 1, and Faust's recovery used it; see
    :mod:`streams.detector.transport`); the worker's memory is the working copy. A stored dossier state
    that cannot be read back is logged and left out rather than stopping every start.
  - violations topic (keyed by ``dossier_id``): :class:`streams.messages.ViolationMessage` with state
    ``open``/``retracted``, ``as_of`` = the watermark used, producer ``detector`` and a version that
    grows per key (microseconds of emission, bumped by a counter so it never repeats).

Throughput: Faust's per-message path (consumer → conductor → channel queue → stream iterator) costs
~90 µs a message here (measured: ~11k messages/s with an empty agent), more than the rulebook. The app
therefore uses a consumer whose fetch loop hands the events topic's messages to the agent in bulk
(:class:`streams.detector.inlet.Inlet`, ~100k messages/s), without per-message tasks. Acknowledgements
and offset commits stay Faust's (``consumer.ack``; Faust flushes the producer before it commits:
at-least-once, and the core is idempotent); a rebalance waits for the batch in progress through the
detector's lock. After each batch the survivors are frozen out of the cyclic garbage collector (see
:func:`streams.detector.versions.freeze_young_objects`). Each partition has its own event-time watermark: a
partition that receives nothing does not advance (``live`` lets the wall clock move it; ``as_of`` moves
all of them at the end of a replay).

``until_idle``/``as_of``: a supervisor task polls, every ``poll_seconds``, whether the consumer group has
committed every partition of the events topic to its true end (:func:`streams.offsets.true_end_offsets`)
and nothing arrived for ``idle_seconds``, all within one group generation and with no rebalance running or
pending (see :meth:`streams.detector.worker.Detector._settled`). With ``as_of`` it then re-reads the
violations topic (what was really published, whatever crashes came before) for the dossiers it holds,
evaluates every dossier at ``as_of`` and publishes the difference; with ``until_idle`` it stops the worker.

Modules, by role (each imports only those above it in this list):
  - :mod:`~streams.detector.dossier` — one dossier's state and its persistence (no I/O);
  - :mod:`~streams.detector.outcome` — what a step decides: the messages to publish, what to persist (no I/O);
  - :mod:`~streams.detector.core` — the pure core: state, watermarks, timers, diffs (no I/O);
  - :mod:`~streams.detector.options` — how a worker runs (no I/O library: the composition root imports it);
  - :mod:`~streams.detector.inlet` — records in: the batch hand-over, decoding into events or dead letters;
  - :mod:`~streams.detector.guard` — a message whose processing raises becomes a dead letter
    (``detector.unprocessable``) and the batch goes on exactly as without it (a dossier whose evaluation
    raises gets ``AUDIT_ERROR`` in the core instead);
  - :mod:`~streams.detector.stats` — what a worker did;
  - :mod:`~streams.detector.transport` — Faust's consumer adapted around library internals;
  - :mod:`~streams.detector.readback` — reads beside Faust: the group's progress, the published violations;
  - :mod:`~streams.detector.restore` — partitions rebuilt or refreshed from what table recovery stored;
  - :mod:`~streams.detector.worker` — the :class:`~streams.detector.worker.Detector`: batches, emission,
    rebalances, supervision;
  - :mod:`~streams.detector.app` — the Faust app: its factory and its runner.
"""
