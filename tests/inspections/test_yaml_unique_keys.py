"""``yaml_marked.UniqueKeys``: a key repeated in a mapping is refused where it stands; anything else loads
as PyYAML's safe loader loads it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from inspections.files.yaml_marked import MarkedConstruction, UniqueKeys
from tests.depth import examples


class _Loader(UniqueKeys, MarkedConstruction, yaml.SafeLoader):
    pass


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


#: Texts PyYAML writes and reads back alike (it folds some control and line-break characters).
_texts = st.text(st.characters(categories=("L", "N", "Zs", "P")), max_size=12)
_keys = st.one_of(_texts, st.integers(-5, 5), st.dates())
_values = st.one_of(st.none(), st.integers(), _texts)
_mappings = st.recursive(
    st.dictionaries(_keys, _values, max_size=5),
    lambda inner: st.dictionaries(_keys, st.one_of(_values, inner, st.lists(inner, max_size=2)), max_size=4),
    max_leaves=12,
)


@settings(max_examples=examples(200), deadline=None)
@given(_mappings)
def test_a_document_without_repeated_keys_loads_as_the_safe_loader_loads_it(doc: dict[Any, Any]) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert _load(text) == yaml.safe_load(text)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(_texts, min_size=1, max_size=6, unique=True), st.data())
@example(["Sở Tư pháp", "b"], None)
def test_a_repeated_key_is_refused_at_the_repeat_naming_the_first(keys: list[str], data: Any) -> None:
    lines = [f"{json.dumps(key, ensure_ascii=False)}: {n}" for n, key in enumerate(keys)]  # JSON is YAML
    first = 0 if data is None else data.draw(st.integers(0, len(lines) - 1))
    text = "\n".join([*lines, f"{json.dumps(keys[first], ensure_ascii=False)}: 0"]) + "\n"
    with pytest.raises(yaml.constructor.ConstructorError) as caught:
        _load(text)
    assert caught.value.problem_mark is not None and caught.value.problem_mark.line == len(lines)
    assert str(caught.value.problem).endswith(f"is repeated (first at line {first + 1})")


def test_keys_equal_as_the_mapping_compares_them_are_one_key() -> None:
    """As written or not: ``1`` and ``1.0``, ``on`` and ``true``, ``2025`` and ``2_025`` are one key of the
    loaded mapping, whose last value won without a word (review of the diff)."""
    cases = ("1: a\n1.0: b\n", "on: a\ntrue: b\n", "2025: a\n2_025: b\n", "2025-01-27: a\n2025-01-27: b\n",
             "'x': a\n\"x\": b\n")  # fmt: skip
    for text in cases:
        repeated = re.escape("is repeated (first at line 1)")
        with pytest.raises(yaml.constructor.ConstructorError, match=repeated):
            _load(text)
    with pytest.raises(yaml.constructor.ConstructorError, match="'2025-01-27' is repeated"):
        _load("d: {2025-01-27: a, 2025-01-27: b}\n")  # in a nested flow mapping too


def test_a_merge_key_s_keys_may_be_overridden() -> None:
    """``<<: *base`` then a key of the base: what a merge is for, not a repeat; also when the mapping that
    merges is itself an anchor merged elsewhere first (PyYAML's merge rewrites its pairs in place: a check at
    construction refused it, review of the diff)."""
    text = "base: &b {a: 1, c: 3}\nmine:\n  <<: *b\n  a: 2\n"
    assert _load(text) == yaml.safe_load(text) == {"base": {"a": 1, "c": 3}, "mine": {"a": 2, "c": 3}}
    nested = "- &a {x: 1}\n- - &m {<<: *a, x: 2}\n- {<<: *m, y: 3}\n"  # m is merged before it is built
    assert _load(nested) == yaml.safe_load(nested)
