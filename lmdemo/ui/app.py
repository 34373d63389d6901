"""Build the Gradio Blocks app from a TaskService."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..models import BUNDLED_MODEL, LoadedModel
from ..tasks import TaskService
from .i18n import pick_language, say, t
from .tabs.generative import build_generative_tabs
from .tabs.inspect_tab import build_inspect_tab
from .tabs.sentiment import build_sentiment_tab

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def model_banner(loaded: LoadedModel, language: str = "en") -> str:
    """Two lines for the top of the page: which model is live, where, and why."""
    dtype = loaded.dtype_name
    precision = say("precision_fp16", language, dtype=dtype) if loaded.fp16_weights else dtype
    facts = say("banner", language, name=loaded.name, size=f"{loaded.num_parameters / 1e6:,.0f}",
                device=loaded.device.type, precision=precision, context=loaded.context_window)
    reason = loaded.reason
    why = (say(f"reason_{reason.key}", language, name=loaded.name, detail=reason.detail,
               bundled=BUNDLED_MODEL) if reason.key else reason.text)
    return f"{facts}  \n{why}"


def build_demo(service: TaskService) -> gr.Blocks:
    """The whole app: banner, one tab per task, then the "Look inside" views."""
    with gr.Blocks(title="lmdemo") as demo:
        gr.Markdown(t("title"), elem_id="title")
        gr.Markdown(t("subtitle"))
        banner = gr.Markdown(t("model_loading"), elem_id="model-banner")
        with gr.Tabs():
            build_generative_tabs(service)
            build_sentiment_tab(service)
            build_inspect_tab(service)

        def banner_for(request: gr.Request) -> str:
            return model_banner(service.loaded,
                                pick_language(request.headers.get("accept-language")))

        demo.load(banner_for, outputs=banner, api_visibility="private")
    return demo


def launch_kwargs() -> dict[str, object]:
    """Arguments for ``demo.launch`` that style and translate the page."""
    from .i18n import I18N

    css = (ASSETS / "style.css").read_text() if (ASSETS / "style.css").exists() else None
    return {"i18n": I18N, "css": css, "theme": gr.themes.Soft()}
