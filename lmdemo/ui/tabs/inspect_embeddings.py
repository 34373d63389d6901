"""Embeddings view: a word's nearest tokens, and a 2-D map of a list of words."""

from __future__ import annotations

import gradio as gr

from ...inspection import lookup, neighbors, project_2d
from ...inspection.embeddings import MAX_K
from ...runtime import Runtime
from ..adapters import user_errors
from ..i18n import t
from ..links import LinkTarget
from . import inspect_html as H

WORD = "king"
WORDS = "king, queen, man, woman, Paris, France, London, England"


def neighbour_view(runtime: Runtime, word: str, k: float) -> tuple[str, str]:
    """Bars of cosine similarity for the nearest tokens, and how the word was tokenized."""
    found = neighbors(runtime, word, int(k))
    rows = [{"display": n["display"], "value": n["similarity"], "percent": False}
            for n in found]
    return H.bars(rows, scale=1.0), " + ".join(lookup(runtime, word)["labels"])


def word_map(runtime: Runtime, words: str) -> str:
    """The words' 2-D PCA coordinates drawn as labelled dots.

    An SVG rather than gr.ScatterPlot: a class reads the map by the words next to the dots,
    and Gradio's Vega plot can only name points in a tooltip or a colour legend.
    """
    return H.scatter(project_2d(runtime, words))


def build_embeddings_tab(runtime: Runtime) -> LinkTarget:
    """Add the Embeddings view and its ``/neighbors`` endpoint."""

    def api(word: str, k: int = 10) -> list[dict]:
        """The k tokens nearest to ``word``: [{"token", "similarity"}], most similar first."""
        return [{"token": n["token"], "similarity": n["similarity"]}
                for n in neighbors(runtime, word, k)]

    def near(word: str, k: float):
        return neighbour_view(runtime, word, k)

    def draw(words: str):
        return word_map(runtime, words)

    with gr.Tab(t("tab_embeddings"), id="inspect-embeddings"):
        # The API endpoint lives in the tab: a gr.Tabs may hold only gr.Tab children.
        gr.api(user_errors(api, api=True), api_name="neighbors")
        gr.Markdown(t("explain_embeddings"))
        with gr.Row():
            with gr.Column():
                word = gr.Textbox(value=WORD, label=t("word"), max_lines=1)
                k = gr.Slider(1, min(MAX_K, 50), value=10, step=1, label=t("neighbor_count"))
                find = gr.Button(t("find_neighbors"), variant="primary")
                tokens = gr.Textbox(label=t("word_tokens"), interactive=False)
                near_bars = H.view("neighbors")
            with gr.Column():
                words = gr.Textbox(value=WORDS, label=t("map_words"), lines=2, max_lines=6)
                go = gr.Button(t("draw_map"), variant="primary")
                plot = H.view("embedding_map")
                gr.Markdown(t("embedding_map_legend"))
    gr.on([find.click, word.submit], user_errors(near), inputs=[word, k],
          outputs=[near_bars, tokens], api_visibility="private")
    gr.on([go.click, words.submit], user_errors(draw), inputs=words, outputs=plot,
          api_visibility="private")
    return LinkTarget("neighbors", "inspect-embeddings", {"word": word, "k": k, "words": words},
                      find)
