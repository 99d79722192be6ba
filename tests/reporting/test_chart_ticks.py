"""The charts' percent axes: every tick label is its tick's value, exactly as printed (a tick at 82.5 %
labelled "82 %" made the province's 92.8 % line look like it sat just past "92 %")."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reporting.charts import _percent_axis, zoom
from reporting.i18n import Texts
from tests.depth import examples


def _labels(low: float, high: float, lang: str) -> list[tuple[float, str]]:
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_ylim(low, high)
    _percent_axis(SimpleNamespace(texts=Texts(lang)), ax.yaxis)  # type: ignore[arg-type]
    fig.canvas.draw()
    shown = [
        (tick, label.get_text()) for tick, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
    ]
    return [(tick, text) for tick, text in shown if low <= tick <= high]


def _value(text: str) -> float:
    return float(text.replace("%", "").replace(" ", "").replace(",", ".")) / 100


@settings(max_examples=examples(75), deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=12), st.sampled_from(["vi", "en"]))
def test_every_tick_label_is_its_value(rates: list[float], lang: str) -> None:
    low, high = zoom(rates)
    shown = _labels(low, high, lang)
    assert shown
    for tick, text in shown:
        assert abs(_value(text) - tick) < 1e-9, (low, high, tick, text)


def test_the_reviewed_range_has_whole_percent_ticks() -> None:
    """The weekly report's ranking axis for 82–98 %: ticks every 2 or 5 points, no 82.5."""
    texts = [text for _, text in _labels(0.80, 1.0, "vi")]
    assert texts and all("," not in text for text in texts), texts
