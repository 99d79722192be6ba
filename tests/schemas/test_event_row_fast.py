"""The fast ``events`` row and fingerprint of an event without unknown members are the general ones.

``warehouse.event_rows._known_fields_row`` builds ``raw`` with orjson from the models' ``__dict__`` (no
pydantic serialisation) and the fingerprint from per-class shapes (``schemas.dedup.Shape``: no type check per
value). Checked here, differentially against ``_general_event_row`` and ``schemas.dedup.fingerprint``:

- generated events of every type, every optional member absent, ``null`` or set, with or without
  ``source`` (any of its members), any whole-minute offset, microseconds, any text, key order shuffled,
  pseudonymised applicants; the fast path must be the one taken;
- the fact ``raw`` rests on: orjson (``OPT_UTC_Z``) writes every datetime with an offset in whole minutes
  as pydantic's JSON mode does (every such offset, both timezone classes, first and last years);
- what validation never builds takes the general row with the same result: a time whose offset is not
  whole minutes, a naive time, a required field unset, ``data`` of another class.
"""

from __future__ import annotations

import random
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    computed_field,
    field_serializer,
)
from pydantic_core import TzInfo

from schemas.dedup import Shape, event_shape, fast_fingerprint, fingerprint, known_fields_fingerprint, shape
from schemas.events import DATA_MODELS, EVENT_ADAPTER, AnyEvent, Timestamp, has_unknown_members
from schemas.pseudonym import Pseudonymiser
from tests.depth import examples
from warehouse import event_rows
from warehouse.event_rows import EVENT_COLUMNS, _general_event_row, event_row

AT = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
PSEUDONYMISER = Pseudonymiser(b"fast-row-test-key-0123456789")
TIMESTAMP = TypeAdapter(Timestamp)

#: Offsets RFC 3339 can write (``±hh:mm``), in minutes.
MINUTES = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59)
INSTANTS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1))
TEXT = st.text(max_size=16) | st.sampled_from(["", ',"data":', '"', "\\", "hộ", "\U0001f600", "\x00\x1f"])


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    """RFC 3339 text: any whole-minute offset (``Z``, ``z``, ``+00:00``, ``-00:00`` for zero), a fraction of
    1 to 9 digits or none, ``T`` or ``t``."""
    minutes = draw(MINUTES)
    local = draw(INSTANTS)
    fraction = draw(st.none() | st.text("0123456789", min_size=1, max_size=9))
    if minutes == 0:
        offset = draw(st.sampled_from(["Z", "z", "+00:00", "-00:00"]))
    else:
        sign, size = ("-" if minutes < 0 else "+"), abs(minutes)
        offset = f"{sign}{size // 60:02d}:{size % 60:02d}"
    text = local.strftime("%Y-%m-%d") + draw(st.sampled_from("Tt")) + local.strftime("%H:%M:%S")
    return text + ("" if fraction is None else "." + fraction) + offset


def _values(annotation: Any) -> st.SearchStrategy[Any]:
    """JSON values validation accepts for a ``data`` field annotated ``annotation``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _values(args[0])
    if origin in (typing.Union, type(int | None)):
        return st.one_of(*(st.none() if arg is type(None) else _values(arg) for arg in args))
    if origin is typing.Literal:
        return st.sampled_from([str(arg) for arg in args])
    if origin is list:
        return st.lists(_values(args[0]), max_size=3)
    if annotation is datetime:
        return timestamps()
    assert annotation is str, (
        f"a field of type {annotation}: the fast paths know text, lists of text and times only; extend "
        "schemas/dedup.py, schemas/pseudonym.py and warehouse/event_rows.py (and this strategy) for it"
    )
    return TEXT


@st.composite
def data_members(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """Every field of the type's ``data``: required ones given, optional ones absent, ``null`` or set."""
    members: dict[str, Any] = {}
    for name, info in DATA_MODELS[kind].model_fields.items():
        if info.is_required() or draw(st.booleans()):
            members[name] = draw(st.none() if not info.is_required() and draw(st.booleans()) else
                                 _values(info.annotation))  # fmt: skip
    return members


SOURCE = st.fixed_dictionaries(
    {"system": TEXT},
    optional={"record": st.none() | TEXT, "inferred": st.none() | st.booleans(), "basis": st.none() | TEXT,
              "unknown": st.none() | st.lists(TEXT, max_size=2)},
)  # fmt: skip


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(DATA_MODELS)))
    data = draw(data_members(kind))
    doc: dict[str, Any] = {
        "schema_version": 1, "event_id": "e" + draw(TEXT), "dossier_id": "d" + draw(TEXT), "type": kind,
        "occurred_at": draw(timestamps()), "unit_code": draw(TEXT), "data": data,
    }  # fmt: skip
    if draw(st.booleans()):
        doc["actor"] = draw(st.none() | TEXT)
    source = draw(st.sampled_from(["absent", "null", "given"]))
    if source != "absent":
        doc["source"] = None if source == "null" else draw(SOURCE)
    order = draw(st.randoms(use_true_random=False))  # validation builds the same event in any order
    return _shuffled({**doc, "data": _shuffled(data, order)}, order)


def _shuffled(members: dict[str, Any], order: random.Random) -> dict[str, Any]:
    items = list(members.items())
    order.shuffle(items)
    return dict(items)


def assert_same_row(event: AnyEvent) -> None:
    fast, general = event_row(event, "f", 7, AT), _general_event_row(event, "f", 7, AT)
    assert len(fast) == len(EVENT_COLUMNS)
    assert fast == general
    # ``==`` is not enough where types or time zones could differ (1 == True, one instant in two zones).
    assert repr(fast) == repr(general)
    assert [type(value) for value in fast] == [type(value) for value in general]


def assert_same_fingerprint(event: AnyEvent) -> None:
    expected = fingerprint(event)
    assert fast_fingerprint(event) == expected
    if not has_unknown_members(event):
        assert known_fields_fingerprint(event) == expected
        assert known_fields_fingerprint(event, event.occurred_at.astimezone(UTC)) == expected


def _fell_back(*args: Any) -> tuple[Any, ...]:
    raise AssertionError("the fast row fell back to the general one")


@pytest.fixture
def no_general_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the fast row falls back to the general one (the fast path must be what is tested)."""
    monkeypatch.setattr(event_rows, "_general_event_row", _fell_back)


@settings(
    max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=documents(), pseudonymise=st.booleans())
def test_generated_events_of_every_type_give_the_general_row_and_fingerprint(
    doc: dict[str, Any], pseudonymise: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = EVENT_ADAPTER.validate_json(orjson.dumps(doc))
    if pseudonymise:
        event = PSEUDONYMISER.apply(event)
    assert not has_unknown_members(event)
    assert_same_fingerprint(event)
    general = _general_event_row(event, "f", 7, AT)
    with monkeypatch.context() as patch:
        patch.setattr(event_rows, "_general_event_row", _fell_back)
        fast = event_row(event, "f", 7, AT)
    assert fast == general and repr(fast) == repr(general)
    assert [type(value) for value in fast] == [type(value) for value in general]


def test_every_event_class_has_a_shape() -> None:
    for event_class in typing.get_args(AnyEvent):
        shapes = event_shape(event_class)
        assert shapes is not None, event_class
        assert shapes.data is event_class.model_fields["data"].annotation


def test_classes_that_pydantic_serialises_their_own_way_have_no_shape() -> None:
    class Custom(BaseModel):
        at: typing.Annotated[datetime, PlainSerializer(lambda v: "x")] | None = None

    class Serialised(BaseModel):
        name: str

        @field_serializer("name")
        def upper(self, value: str) -> str:
            return value.upper()

    class Aliased(BaseModel):
        name: str = Field(serialization_alias="n")

    class Computed(BaseModel):
        name: str

        @computed_field  # type: ignore[prop-decorator]
        @property
        def size(self) -> int:
            return len(self.name)

    class Seconds(BaseModel):
        model_config = ConfigDict(ser_json_temporal="seconds")
        at: datetime

    class Mixed(BaseModel):
        value: str | datetime

    class Loose(BaseModel):
        value: Any

    class Mapping(BaseModel):
        value: dict[str, str]

    for model in (Custom, Serialised, Aliased, Computed, Seconds, Mixed, Loose, Mapping):
        assert shape(model) is None, model

    class Plain(BaseModel):
        a: str
        b: datetime | None
        c: list[str] | None = None
        d: typing.Literal["x", 1] = "x"

    assert shape(Plain) == Shape(
        times=("b",), nullable=("b", "c", "d"), optional=("c", "d"), models=frozenset()
    )


@pytest.mark.parametrize("tz_class", [TzInfo, timezone], ids=["pydantic", "stdlib"])
def test_orjson_writes_every_whole_minute_offset_as_pydantic_does(tz_class: Any) -> None:
    rng = random.Random(7)
    for minutes in range(-(23 * 60 + 59), 23 * 60 + 60):
        zone = tz_class(minutes * 60) if tz_class is TzInfo else tz_class(timedelta(minutes=minutes))
        for value in (
            datetime(1, 1, 1, tzinfo=zone),
            datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=zone),
            datetime(2025, 3, 4, 5, 6, 7, rng.randrange(1, 1_000_000), tzinfo=zone),
            datetime(999, 12, 31, 1, 0, 0, 10, tzinfo=zone),
        ):
            expected = orjson.dumps(TIMESTAMP.dump_python(value, mode="json"))
            assert orjson.dumps(value, option=orjson.OPT_UTC_Z) == expected, value


def received_event(**changes: Any) -> AnyEvent:
    doc = {"schema_version": 1, "event_id": "e-1", "dossier_id": "d-1", "type": "received",
           "occurred_at": "2025-11-03T09:15:00.250000+07:00", "unit_code": "u", "actor": "cb",
           "source": {"system": "dvcqg", "record": None},
           "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": "2025-11-10T17:00:00+07:00",
                    "documents": ["CT01"], "applicant": "079201001234"}}  # fmt: skip
    return PSEUDONYMISER.apply(EVENT_ADAPTER.validate_json(orjson.dumps({**doc, **changes})))


def odd_events() -> list[AnyEvent]:
    """Events the fast row must leave to ``event_row``, or take with the same result."""
    event = received_event()
    data = event.data
    seconds = timezone(timedelta(hours=7, seconds=30))

    def with_data(**update: Any) -> AnyEvent:
        return event.model_copy(update={"data": data.model_copy(update=update)})

    def unset(model: Any, name: str) -> Any:
        copied = model.model_copy()
        object.__setattr__(copied, "__pydantic_fields_set__", model.__pydantic_fields_set__ - {name})
        return copied

    class OtherData(type(data)):  # type: ignore[misc]
        """Another class than the declared one."""

    source = event.source
    assert source is not None
    odd = [
        event,
        received_event(extra={"applicant": "x"}),  # unknown members: envelope, data, source
        received_event(data={**event.data.model_dump(mode="json"), "note": [1, {"a": None}]}),
        received_event(source={"system": "dvcqg", "ward": "7"}),
        received_event(source=None),
        received_event(occurred_at="1970-01-01T00:00:00-00:01"),
        received_event(occurred_at="0001-01-01T00:00:00+00:00"),
        received_event(occurred_at="9999-12-31T23:59:59.999999-00:00"),
        event.model_copy(update={"occurred_at": datetime(2025, 11, 3, 9, 15, tzinfo=seconds)}),
        event.model_copy(update={"occurred_at": datetime(2025, 11, 3, 9, 15, tzinfo=TzInfo(-59))}),
        event.model_copy(update={"occurred_at": datetime(2025, 11, 3, 9, 15)}),  # naive
        with_data(due_at=datetime(2025, 1, 1, tzinfo=seconds)),
        with_data(due_at=datetime(2025, 1, 1)),
        with_data(applicant=None),
        unset(event, "unit_code"),  # a required member unset
        unset(event, "actor"),  # an optional member unset that holds a value
        event.model_copy(update={"data": unset(data, "channel")}),
        event.model_copy(update={"data": unset(data, "applicant")}),
        event.model_copy(update={"source": unset(source, "record")}),
        event.model_copy(update={"source": source.model_copy(update={"record": "r"})}),
        event.model_copy(
            update={
                "data": OtherData.model_construct(
                    _fields_set=set(data.__pydantic_fields_set__), **data.__dict__
                )
            }
        ),
    ]
    for each in typing.get_args(AnyEvent):  # ``data`` first: only a model built without validation
        if each is type(event):
            values = dict(event.__dict__)
            moved = {"data": values.pop("data"), **values}
            odd.append(each.model_construct(_fields_set=set(event.__pydantic_fields_set__), **moved))
    return odd


def test_the_general_row_takes_what_validation_never_builds() -> None:
    for each in odd_events():
        assert_same_row(each)
        assert_same_fingerprint(each)


def test_a_row_of_the_fast_path_with_source_and_microseconds(no_general_row: None) -> None:
    event = received_event()
    row = event_row(event, "f", 7, AT)
    column = dict(zip(EVENT_COLUMNS, row, strict=True))
    assert column["occurred_at"] == datetime(2025, 11, 3, 2, 15, tzinfo=UTC)
    assert column["occurred_at_us"] == 250_000
    assert column["raw"].endswith(',"data":' + column["data"] + "}")
    assert '"source":{"system":"dvcqg","record":null}' in column["raw"]
    assert "079201001234" not in column["raw"]
