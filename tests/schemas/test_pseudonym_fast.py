"""``Pseudonymiser.apply``'s way for an event without unknown members (``schemas.copies.copy_with`` instead of
pydantic's ``model_copy``) builds the same object graph as its general way (``_apply``), checked
differentially: generated events of every type, with or without an applicant, pseudonymised already or not,
with unknown members in the envelope, ``data`` or ``source`` (named ``applicant`` or not), and
``copy_with`` against ``model_copy`` for every model class of the contract, and the models it declines.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, PrivateAttr

from schemas.copies import copy_with
from schemas.events import DATA_MODELS, EVENT_ADAPTER, AnyEvent, Source
from tests.depth import examples
from tests.schemas.test_event_row_fast import PSEUDONYMISER, TEXT, documents

#: Unknown members: any JSON, some named as the applicant (``apply`` then takes its general way); in
#: ``data``, not as the declared ``applicant`` itself.
VALUES = (
    st.none()
    | TEXT
    | st.integers(-(2**63), 2**63 - 1)
    | st.lists(TEXT, max_size=2)
    | st.fixed_dictionaries({"applicant": TEXT})
)
UNKNOWN = st.dictionaries(st.sampled_from(["note", "Applicant", "applicant", "extra"]), VALUES, max_size=2)
UNKNOWN_DATA = st.dictionaries(
    st.sampled_from(["note", "Applicant", "APPLICANT", "extra"]), VALUES, max_size=2
)


def state(value: Any, original: Any) -> Any:
    """Everything of a model that a copy sets: its class, members, fields set, extra and private members
    (and whether the fields set and extra are the ``original``'s own objects, which a copy must not share);
    a member that is the ``original`` model's own by identity (a copy shares it), any other by value."""
    if isinstance(value, BaseModel):
        kept = original.__dict__ if isinstance(original, BaseModel) else {}
        members = {name: state(member, kept.get(name)) for name, member in value.__dict__.items()}
        extra = value.__pydantic_extra__
        return (
            type(value), members, value.__pydantic_fields_set__, extra, value.__pydantic_private__,
            value is original,
            value.__pydantic_fields_set__ is getattr(original, "__pydantic_fields_set__", None),
            extra is not None and extra is getattr(original, "__pydantic_extra__", None),
        )  # fmt: skip
    return ("shared", id(value)) if value is original else (type(value), repr(value))


def assert_same_graph(fast: Any, general: Any, original: Any) -> None:
    assert (fast is None) == (general is None)
    assert state(fast, original) == state(general, original)


NONE: dict[str, Any] = {}


@settings(max_examples=examples(400), deadline=None)
@given(
    doc=documents(),
    applicant=st.none() | TEXT | st.just("079201001234") | st.just("hmac-sha256:" + "0" * 64),
    twice=st.booleans(),
    envelope=st.just(NONE) | UNKNOWN,
    data=st.just(NONE) | UNKNOWN_DATA,
    source=st.just(NONE) | UNKNOWN,
)
def test_apply_builds_what_its_general_way_builds(
    doc: dict[str, Any],
    applicant: str | None,
    twice: bool,
    envelope: dict[str, Any],
    data: dict[str, Any],
    source: dict[str, Any],
) -> None:
    if applicant is not None and "applicant" in DATA_MODELS[doc["type"]].model_fields:
        doc["data"]["applicant"] = applicant
    doc = {**doc, **envelope, "data": {**doc["data"], **data}}
    if isinstance(doc.get("source"), dict):
        doc["source"] = {**doc["source"], **source}
    event: AnyEvent = EVENT_ADAPTER.validate_json(orjson.dumps(doc))
    if twice:
        event = PSEUDONYMISER.apply(event)
    fast, general = PSEUDONYMISER.apply(event), PSEUDONYMISER._apply(event)
    assert (fast is event) == (general is event)
    assert_same_graph(fast, general, event)
    assert fast.model_dump_json() == general.model_dump_json()


def test_the_contract_examples_are_pseudonymised_as_their_general_way_does() -> None:
    examples = (Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl").read_bytes()
    copied = 0
    for line in examples.splitlines():
        event: AnyEvent = EVENT_ADAPTER.validate_json(line)
        fast, general = PSEUDONYMISER.apply(event), PSEUDONYMISER._apply(event)
        assert_same_graph(fast, general, event)
        copied += fast is not event
    assert copied


def _models() -> list[type[BaseModel]]:
    return [*typing.get_args(AnyEvent), *DATA_MODELS.values(), Source]


@settings(max_examples=examples(150), deadline=None)
@given(doc=documents(), value=st.none() | TEXT, which=st.integers(0, 100))
def test_a_copy_with_one_member_is_model_copy(doc: dict[str, Any], value: str | None, which: int) -> None:
    """For the event, its ``data`` and its ``source``, each declared field replaced."""
    event: AnyEvent = EVENT_ADAPTER.validate_json(orjson.dumps(doc))
    models: list[BaseModel] = (
        [event, event.data] if event.source is None else [event, event.data, event.source]
    )
    for model in models:
        fields = list(type(model).model_fields)
        if not fields:  # a ``data`` without fields
            continue
        name = fields[which % len(fields)]
        assert_same_graph(copy_with(model, name, value), model.model_copy(update={name: value}), model)


def test_every_model_of_the_contract_is_copied_its_way() -> None:
    for model in _models():
        assert model.model_copy is BaseModel.model_copy and model.__copy__ is BaseModel.__copy__, model
        assert not model.__private_attributes__, model


def test_models_copy_with_does_not_know_are_left_to_model_copy() -> None:
    class Private(BaseModel):
        name: str
        _seen: int = PrivateAttr(default=0)

    class Copies(BaseModel):
        name: str

        def model_copy(self, *, update: Any = None, deep: bool = False) -> Any:
            return super().model_copy(update=update, deep=deep)

    class Extra(BaseModel):
        model_config = ConfigDict(extra="allow")
        name: str

    assert copy_with(Private(name="a"), "name", "b") is None
    assert copy_with(Copies(name="a"), "name", "b") is None
    assert copy_with(Extra(name="a"), "other", "b") is None  # not a declared field: an extra member
    extra = Extra(name="a", other=1)
    assert_same_graph(copy_with(extra, "name", "b"), extra.model_copy(update={"name": "b"}), extra)
    assert copy_with(extra, "name", "b").__pydantic_extra__ is not extra.__pydantic_extra__
