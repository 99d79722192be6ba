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
:func:`streams.detector.versions.freeze_young_objects`). Each partition has its own event-time watermark: it
moves with the partition's events; ``live`` lets the wall clock move it; a partition with nothing to read (as
the consumer's fetches saw its end) and quiet for ``idle_partition_timeout`` follows the lowest watermark of
the worker's active partitions (never backwards; :func:`streams.watermark.idle_targets`); ``as_of`` moves all
of them at the end of a replay.

Bounded memory (issue 17): with a server history (``--history-warehouse``), an ended dossier quiet for a
whole lateness window past the watermark is evicted (:mod:`streams.detector.evict`): an eviction record then
a tombstone in the changelog, 28 bytes of membership in memory; never in the batch that wrote it (its
violations must be delivered first), never one whose stored rows or published set cannot give it back
exactly (a conflicting version, an unprocessable event, a state restored from an unconfirmed write:
:mod:`streams.detector.dossier`). An event arriving later for it takes the late path
(:mod:`streams.detector.latepath`): its events are read back from the warehouse the sink filled, once the
sink's group has committed past the eviction offset, recognised by their versions, and it is judged exactly;
anything that prevents that stops the worker (exit 1, the batch not acknowledged). A replay at an
``--as-of`` before a partition's eviction horizon, or by other inputs than its evicted dossiers were judged
by, is refused (exit 2). Without a server history nothing is evicted (logged once).

``until_idle``/``as_of``: a supervisor task polls, every ``poll_seconds``, whether the consumer group has
committed every partition of the events topic to its true end (:func:`streams.offsets.true_end_offsets`)
and nothing arrived for ``idle_seconds``, all within one group generation and with no rebalance running or
pending (see :meth:`streams.detector.worker.Detector._settled`). With ``as_of`` it then re-reads the
violations topic (what was really published, whatever crashes came before) for the dossiers it holds,
evaluates every dossier at ``as_of`` and publishes the difference, then writes a per-partition mark
"finalized at ``as_of`` up to offset N by these inputs" to the ``partitions`` changelog; with ``until_idle``
it stops once every partition carries a covering mark, so partitions taken over from a worker that died
before finalizing are finalized by their new owner. Each supervisor action re-checks, once it holds the
lock, that the assignment it decided on still holds.

Modules, by role (each imports only those above it in this list):
  - :mod:`~streams.detector.dossier` — one dossier's state and its persistence (no I/O);
  - :mod:`~streams.detector.outcome` — what a step decides: the messages to publish, what to persist (no I/O);
  - :mod:`~streams.detector.partition_state` — one partition of the pure core: state, watermarks, timers,
    diffs (no I/O);
  - :mod:`~streams.detector.core` — the pure core: the worker's partitions, their persistence (no I/O);
  - :mod:`~streams.detector.options` — how a worker runs (no I/O library: the composition root imports it);
  - :mod:`~streams.detector.inlet` — records in: the batch hand-over, decoding into events or dead letters;
  - :mod:`~streams.detector.guard` — a message whose processing raises becomes a dead letter
    (``detector.unprocessable``) and the batch goes on exactly as without it (a dossier whose evaluation
    raises gets ``AUDIT_ERROR`` in the core instead);
  - :mod:`~streams.detector.evict` — which ended dossiers leave memory, the index of those gone (no I/O);
  - :mod:`~streams.detector.history` — the port to evicted dossiers' stored events, their rebuild (no I/O);
  - :mod:`~streams.detector.stats` — what a worker did;
  - :mod:`~streams.detector.versions` — the version clock of published messages, the GC freeze;
  - :mod:`~streams.detector.membership` — how long the worker has been out of its group, against a deadline;
  - :mod:`~streams.detector.resume` — where a partition resumes: never past what its state holds;
  - :mod:`~streams.detector.faust_compat`, :mod:`~streams.detector.transport`,
    :mod:`~streams.detector.app_internals` — the single adapter around Faust/mode/aiokafka internals: the
    supported releases and every internal relied on; the consumer and transport; the app's internals read
    from outside (and the worker's stop);
  - :mod:`~streams.detector.marks` — the final marks, their inputs digest, their incremental reading;
  - :mod:`~streams.detector.readback` — reads beside Faust: the group's progress, the published violations;
  - :mod:`~streams.detector.restore` — partitions rebuilt or refreshed from what table recovery stored;
  - :mod:`~streams.detector.latepath` — events for evicted dossiers, judged after reading them back;
  - :mod:`~streams.detector.changelog` — the changelog writes and the delivery confirmation they carry;
  - :mod:`~streams.detector.finalization` — the final evaluation at ``as_of`` and its marks;
  - :mod:`~streams.detector.supervision` — ticks, idle partitions, the until-idle / as-of decision;
  - :mod:`~streams.detector.worker` — the :class:`~streams.detector.worker.Detector`: batches, emission,
    rebalances;
  - :mod:`~streams.detector.app` — the Faust app: its factory and its runner.
"""
