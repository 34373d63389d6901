"""The attention heatmap reads without hover; the embedding map's dots share one colour."""

from __future__ import annotations

import re

import gradio as gr

from lmdemo.inspection import attention_all
from lmdemo.runtime import Runtime
from lmdemo.ui.tabs import inspect_html as H
from lmdemo.ui.tabs.inspect_attention import build_attention_tab, draw
from lmdemo.ui.tabs.inspect_embeddings import word_map


def test_every_cell_carries_its_reading_for_a_tap():
    tokens = ["The", "␣cat", "<&>"]
    weights = [[1.0, 0.0, 0.0], [0.58, 0.42, 0.0], [0.2, 0.0006, 0.7994]]
    html = H.heatmap(tokens, weights)
    cells = re.findall(r'data-cell="([^"]*)"', html)
    assert len(cells) == 6  # the lower triangle with the diagonal
    assert "␣cat → The · 58 %" in cells and "&lt;&amp;&gt; → ␣cat · 0.06 %" in cells
    # the caption starts on the last token's strongest link, marked in the map
    caption = re.search(r'<p class="lm-caption"[^>]*>([^<]*)</p>', html).group(1)
    assert caption == "&lt;&amp;&gt; → &lt;&amp;&gt; · 80 %"
    assert html.count('class="lm-picked"') == 1
    assert "<&>" not in html


def test_attention_view_listens_for_taps(tiny_config):
    runtime = Runtime(tiny_config)
    with gr.Blocks() as demo:
        build_attention_tab(runtime)
    scripts = [b.js_on_load or "" for b in demo.blocks.values() if isinstance(b, gr.HTML)]
    assert any("data-cell" in js and "lm-caption" in js for js in scripts)


def test_drawn_attention_has_a_caption(tiny_runtime):
    html = draw(attention_all(tiny_runtime, "one two three"), 0, "mean")
    assert html.count("data-cell=") == 6 and "%" in html and 'class="lm-caption"' in html


def test_embedding_dots_share_one_colour(tiny_runtime):
    svg = word_map(tiny_runtime, "red, green, blue, king, queen")
    fills = re.findall(r'<circle [^>]*style="fill:([^"]*)"', svg)
    assert len(fills) == 5 and len(set(fills)) == 1
    assert "hsl(" not in svg


def test_the_map_shares_its_width_among_its_columns():
    """Cells are sized from the token count and the widest row label (the browser suite checks
    the result at 390 px); the caption stays outside the part that scrolls."""
    html = H.heatmap(["The", "␣animal", "."], [[1.0, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]])
    style = re.search(r'<table class="lm-heat" style="([^"]*)"', html).group(1)
    assert style.startswith("--n:3;--lab:7;--cell:clamp(")
    assert "100cqw" in style and "var(--cell-max, 24px)" in style
    assert html.index('class="lm-caption"') < html.index('class="lm-wrap"')
    assert '<span class="lm-more" aria-hidden="true">' in html
