"""The Extract tab's panel: the entities highlighted over the source, and the model's lines."""

from __future__ import annotations

import gradio as gr

from ...runtime import Runtime
from ...tasks.extraction import TYPES
from ..i18n import say, t
from ..plain import PlainText
from .task_extras import ExtraPanel

# One colour per entity type, readable in light and dark themes.
COLOURS = dict(zip(TYPES, ("#f4a261", "#2a9d8f", "#8ab17d", "#e9c46a", "#a8dadc", "#cdb4db"),
                       strict=True))


def color_map(language: str) -> dict[str, str]:
    """Type names in ``language`` -> their colour (the legend of the highlighting)."""
    return {say(f"entity_{kind}", language): colour for kind, colour in COLOURS.items()}


def highlighted(pieces: list[tuple[str, str | None]], language: str
                ) -> list[tuple[str, str | None]]:
    """The source pieces with each entity type worded in ``language``."""
    return [(text, say(f"entity_{kind}", language) if kind else None) for text, kind in pieces]


def extract_panel(runtime: Runtime, parts) -> ExtraPanel:
    """Highlighted entities, the raw lines, what was dropped and how the proposed names were
    typed, filled from the Run result (no second pass)."""
    marks = gr.HighlightedText(label=t("extract_highlight"), combine_adjacent=False,
                               show_legend=True, color_map=color_map("en"))
    raw = gr.Textbox(label=t("extract_raw"), lines=6, interactive=False)
    dropped = PlainText()  # the model's lines, shown as text

    def fill(run, language: str) -> dict:
        result = run.result
        gone = (say("extract_dropped", language, items=", ".join(result.dropped))
                if result.dropped else say("extract_none_dropped", language))
        typed = ", ".join(f"{c.text} → {say(f'entity_{c.type}', language)}"
                          for c in getattr(run, "scored", []))
        if typed:
            gone += "\n\n" + say("extract_typed", language, items=typed)
        return {marks: gr.update(value=highlighted(result.highlights(), language),
                                 color_map=color_map(language)),
                raw: result.raw, dropped: gone}

    return ExtraPanel([marks, raw, dropped], fill)
