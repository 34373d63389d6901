"""Build the Gradio Blocks app from a Runtime: banner, one tab per task, "Look inside"."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..models import BUNDLED_MODEL, LoadedModel
from ..runtime import Runtime
from ..tasks import all_tasks
from .i18n import pick_language, say, t
from .tabs.inspect_tab import build_inspect_tab
from .tabs.task_tab import build_task_tabs

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def model_banner(runtime: Runtime, language: str = "en") -> str:
    """Two lines for the top of the page: which model and backend are live, where, and why."""
    loaded = runtime.loaded
    if runtime.remote:
        has_weights = getattr(loaded, "model", None) is not None
        facts = say("banner_remote", language, name=runtime.backend.model_name,
                    url=runtime.config.backend, context=loaded.context_window)
        weights = say("remote_weights" if has_weights else "remote_no_weights", language)
        return f"{facts}  \n" + say("reason_remote", language, tokenizer=loaded.name,
                                    weights=weights)
    return local_banner(loaded, language)


def local_banner(loaded: LoadedModel, language: str = "en") -> str:
    """The banner of a model running in this process: size, device, precision and why."""
    dtype = loaded.dtype_name
    precision = say("precision_fp16", language, dtype=dtype) if loaded.fp16_weights else dtype
    facts = say("banner", language, name=loaded.name, size=f"{loaded.num_parameters / 1e6:,.0f}",
                device=loaded.device.type, precision=precision, context=loaded.context_window)
    reason = loaded.reason
    why = (say(f"reason_{reason.key}", language, name=loaded.name, detail=reason.detail,
               bundled=BUNDLED_MODEL) if reason.key else reason.text)
    return f"{facts}  \n{why}"


def build_demo(runtime: Runtime) -> gr.Blocks:
    """The whole app: banner, one tab per registered task, then the "Look inside" views."""
    with gr.Blocks(title="lmdemo") as demo:
        gr.Markdown(t("title"), elem_id="title")
        gr.Markdown(t("subtitle"))
        banner = gr.Markdown(t("model_loading"), elem_id="model-banner")
        with gr.Tabs():
            build_task_tabs(runtime, all_tasks())
            build_inspect_tab(runtime)

        def banner_for(request: gr.Request) -> str:
            return model_banner(runtime, pick_language(request.headers.get("accept-language")))

        demo.load(banner_for, outputs=banner, api_visibility="private")
    return demo


def launch_kwargs() -> dict[str, object]:
    """Arguments for ``demo.launch`` that style and translate the page."""
    from .i18n import I18N

    css = (ASSETS / "style.css").read_text() if (ASSETS / "style.css").exists() else None
    return {"i18n": I18N, "css": css, "theme": gr.themes.Soft()}
