"""Probabilities as a class reads them: one formatting function, used by every view."""

from __future__ import annotations

import re

import pytest

from lmdemo.inspection import step
from lmdemo.ui.tabs import inspect_html as H
from lmdemo.ui.tabs.inspect_bias import probe_view
from lmdemo.ui.tabs.inspect_next_token import chart

SCIENTIFIC = re.compile(r"\d[eE][-+]?\d")


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.0, "0 %"), (1e-9, "< 0.01 %"), (0.000099, "< 0.01 %"), (0.0001, "0.01 %"),
        (0.00061, "0.06 %"), (0.0012, "0.12 %"), (0.00994, "0.99 %"), (0.00996, "1.0 %"),
        (0.061, "6.1 %"), (0.0996, "10 %"), (0.42, "42 %"), (0.4249, "42 %"),
        (0.987, "99 %"), (0.996, "99.6 %"), (0.999, "99.9 %"), (0.9994, "99.9 %"),
        (0.9996, "> 99.9 %"), (1.0, "100 %"),
    ],
)
def test_percent(p, shown):
    assert H.percent(p) == shown


def test_bars_meter_and_text_write_percentages():
    rows = [{"display": t, "value": v} for t, v in (("a", 0.9), ("b", 0.00061), ("c", 1e-7))]
    html = H.bars(rows) + H.meter(0.0039)
    html += H.coloured_text("x", [{"text": "y", "display": "y", "probability": 0.00061}])
    assert "0.06 %" in html and "< 0.01 %" in html and "0.39 %" in html and "90 %" in html
    assert not SCIENTIFIC.search(html)


def test_views_show_no_scientific_notation(tiny_runtime):
    state = step(tiny_runtime, "The cat")
    bars = chart(tiny_runtime, state, 1.0, 0, 1.0)[0]  # a random model: tiny odds everywhere
    assert "%" in bars and not SCIENTIFIC.search(bars)
    columns = next(probe_view(tiny_runtime, "The {} sat", "cat, dog", 1, 2))
    assert "%" in columns and not SCIENTIFIC.search(columns)


@pytest.mark.parametrize(("template", "fillers"), [
    ("", "man, woman"),
    ("The worked as a", "man, woman"),
    ("x{}" * 200, "man, woman"),
    ("The {} worked as a", "man"),
    ("The {} worked as a", "man, " + "w" * 80),
])
def test_view_input_errors_are_worded_in_chinese(tiny_runtime, template, fillers):
    """Each view error carries a key, so a Chinese visitor reads it in Chinese."""
    from lmdemo.errors import InputError
    from lmdemo.inspection import bias_probe
    from lmdemo.ui.adapters import error_message

    with pytest.raises(InputError) as info:
        bias_probe(tiny_runtime, template, fillers)
    error = info.value
    assert error.key and re.search(r"[\u4e00-\u9fff]", error_message(error, "zh-CN"))


@pytest.mark.parametrize("case", ["layer", "head", "long", "map", "tokenize"])
def test_more_view_errors_are_worded_in_chinese(tiny_runtime, case):
    from lmdemo.errors import InputError
    from lmdemo.inspection import attention, project_2d, tokenize
    from lmdemo.ui.adapters import error_message

    calls = {
        "layer": lambda: attention(tiny_runtime, "The cat sat", 99, "mean"),
        "head": lambda: attention(tiny_runtime, "The cat sat", 0, 99),
        "long": lambda: attention(tiny_runtime, "cat " * 500, 0, "mean"),
        "map": lambda: project_2d(tiny_runtime, "cat"),
        "tokenize": lambda: tokenize(tiny_runtime, "x" * 20_001),
    }
    with pytest.raises(InputError) as info:
        calls[case]()
    error = info.value
    assert error.key and re.search(r"[\u4e00-\u9fff]", error_message(error, "zh-CN"))
