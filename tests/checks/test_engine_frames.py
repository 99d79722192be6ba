"""One Great Expectations asset and batch definition serve every frame of a run (checks/engine.py): each
validation must still see its own frame, whatever the engine validated before (no result carried over)."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.check import Check, in_set
from checks.engine import Engine
from tests.depth import examples

_CHECK = Check(
    expectation="t.x in set", column="x", blocking=False, build=in_set("x", ["a", "b"]),
    fail_vi="{n}", fail_en="{n}", ok_vi="ok", ok_en="ok",
)  # fmt: skip
_ENGINE = Engine()  # one engine, as a run has: the frames below follow each other through it


@settings(max_examples=examples(10), deadline=None)
@given(frames=st.lists(st.lists(st.sampled_from(["a", "b", "c"]), max_size=6), min_size=1, max_size=4))
def test_each_frame_is_judged_on_its_own_values(frames: list[list[str]]) -> None:
    for n, values in enumerate(frames):
        frame = pd.DataFrame({"x": values, "id": [f"r{i}" for i in range(len(values))]})
        ((_, result),) = _ENGINE.validate(f"suite{n % 2}", frame, [_CHECK], ["id"])
        assert result["success"] == all(v in "ab" for v in values), (values, result)
        assert result["result"].get("element_count", 0) == len(values)
        assert result["result"].get("unexpected_count", 0) == values.count("c")
