"""The ranking chart's value labels: no line runs through them (review of the rendered report: the province's
dashed line crossed "87,0 %" printed at the end of a bar just under the province's 88.6 %, and the plot's
frame crossed every "100,0 %"). Measured on the chart's own laid-out geometry, in pixels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reporting import charts
from tests.reporting.test_findings import FINAL, make_report

UNDER_THE_PROVINCE = {  # on time of 100: 100, 88, 87, 80, 88 % for a province of 88.6 %
    "000.00.01.H99": (0, 100, 0, 0, 0),
    "000.00.02.H99": (0, 87, 13, 0, 0),
    "000.00.03.H99": (0, 88, 12, 0, 0),
    "000.10.01.H99": (0, 80, 20, 0, 0),
    "000.10.02.H99": (0, 88, 12, 0, 0),
}
SPREAD = {  # 33 % to 100 %: the labels of short bars far from the line
    "000.00.01.H99": (0, 1, 2, 0, 0),
    "000.00.02.H99": (0, 50, 50, 0, 0),
    "000.00.03.H99": (0, 94, 6, 0, 0),
    "000.10.01.H99": (0, 9, 1, 0, 0),
    "000.10.02.H99": (0, 40, 0, 0, 0),
}


@pytest.mark.parametrize("units", [UNDER_THE_PROVINCE, SPREAD], ids=["under-the-province", "spread"])
def test_no_line_runs_through_a_value_label(units: dict[str, tuple[int, int, int, int, int]]) -> None:
    report = make_report(units, units, {}, FINAL)
    fig = charts.ranking_figure(report)
    fig.draw_without_rendering()  # the constrained layout, as the saved PNG has it
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    labels = [text for text in ax.texts if text.get_gid() == charts.VALUE_LABEL]
    ranked = [r for r in reversed(report.ranking) if r.rank is not None]
    assert [label.get_text() for label in labels] == [report.texts.percent(r.form.on_time_rate)
                                                      for r in ranked]  # fmt: skip
    (line,) = [line for line in ax.lines if line.get_gid() == charts.PROVINCE_LINE]
    line_x = ax.transData.transform((np.asarray(line.get_xdata(), dtype=float)[0], 0.0))[0]
    frame = ax.get_window_extent(renderer)
    boxes = [label.get_window_extent(renderer) for label in labels]
    for label, box, bar in zip(labels, boxes, ax.patches, strict=True):
        assert not box.x0 <= line_x <= box.x1, label.get_text()  # the province's line
        assert not box.x0 <= frame.x1 <= box.x1 and not box.x0 <= frame.x0 <= box.x1  # the frame
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1  # on the image
        bar_box = bar.get_window_extent(renderer)
        assert abs((box.y0 + box.y1) / 2 - (bar_box.y0 + bar_box.y1) / 2) < 2  # level with its bar
    for upper, lower in itertools.pairwise(boxes):
        assert not upper.overlaps(lower)
