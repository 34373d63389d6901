"""The Generation view's callbacks: choosing a token, and a token the model was sure of."""

from __future__ import annotations

import re

import pytest

from lmdemo.errors import InputError
from lmdemo.inspection import stream_steps
from lmdemo.inspection.generation import start
from lmdemo.params import make_params
from lmdemo.ui.strings import EN, ZH
from lmdemo.ui.tabs.inspect_generation import pick_step

PROMPT = "Once upon"


def generated(runtime, **settings) -> dict:
    state = start(runtime, PROMPT)
    params = make_params(max_new_tokens=4, **settings)
    return {**state, "steps": list(stream_steps(runtime, state["prompt_ids"], PROMPT, params,
                                                []))[-1]}


@pytest.mark.parametrize(("language", "table"), [("en", EN), ("zh-CN", ZH)])
def test_a_certain_token_says_so_and_disables_branch(tiny_runtime, language, table):
    state = generated(tiny_runtime, temperature=0)  # greedy: every token had 100 %
    chosen, _, label, radio, branch = pick_step(tiny_runtime, state, 1, language)
    assert chosen["chosen"] == 1
    assert table["no_other_choice"] in label and "(100 %)" in label
    assert branch["interactive"] is False
    assert radio["value"] is None and len(radio["choices"]) == 1


def test_a_token_with_rivals_can_be_branched(tiny_runtime):
    state = generated(tiny_runtime, temperature=1.0, top_k=0, top_p=1.0, seed=3)
    _, html, label, radio, branch = pick_step(tiny_runtime, state, 2)
    assert branch["interactive"] is True and EN["no_other_choice"] not in label
    assert radio["value"] == radio["choices"][1][1]  # the runner-up
    for text, _ in radio["choices"]:  # readable percentages, never 6.1e-04
        assert re.search(r"(< )?\d+(\.\d+)? %$", text) and "e-" not in text
    assert 'class="lm-chosen"' in html


def test_picking_before_generating_gets_a_message(tiny_runtime):
    with pytest.raises(InputError, match="Generate some text first"):
        pick_step(tiny_runtime, None, 0)
