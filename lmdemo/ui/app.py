"""Build the Gradio Blocks app from a Runtime: banner, one tab per task, "Look inside"."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from ..classroom import Classroom
from ..models import BUNDLED_MODEL, LoadedModel
from ..runtime import Runtime
from ..shelf import Shelf
from ..tasks import all_tasks
from . import follow, links, picker
from .i18n import language_of, say, t
from .language import LanguageMiddleware
from .plain import PlainText, markdown_text
from .status import add_status
from .strings import LANGUAGES
from .tabs.compare import build_compare_tab
from .tabs.inspect_tab import build_inspect_tab
from .tabs.learn import build_learn_tab
from .tabs.task_tab import build_task_tabs

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def model_banner(runtime: Runtime, language: str = "en") -> str:
    """Two lines for the top of the page: which model and backend are live, where, and why."""
    loaded = runtime.loaded
    if runtime.remote:
        has_weights = getattr(loaded, "model", None) is not None
        # names and addresses come from the server or the command line: shown as text
        facts = say("banner_remote", language, name=markdown_text(runtime.backend.model_name),
                    url=markdown_text(runtime.config.backend), context=loaded.context_window)
        weights = say("remote_weights" if has_weights else "remote_no_weights", language)
        banner = f"{facts}  \n" + say("reason_remote", language,
                                      tokenizer=markdown_text(loaded.name), weights=weights)
    else:
        banner = local_banner(loaded, language)
    config = runtime.config
    if config.hosted:  # a public server says what it limits, so visitors know why
        key = "banner_hosted" if config.rate_limit else "banner_hosted_no_rate"
        banner += "  \n" + say(key, language, chars=f"{config.max_input_chars:,}",
                               new=config.max_new_tokens, rate=config.rate_limit)
    return banner


def local_banner(loaded: LoadedModel, language: str = "en") -> str:
    """The banner of a model running in this process: size, device, precision and why."""
    dtype = loaded.dtype_name
    precision = say("precision_fp16", language, dtype=dtype) if loaded.fp16_weights else dtype
    name = markdown_text(loaded.name)  # a hub id or a folder: shown as text
    facts = say("banner", language, name=name, size=f"{loaded.num_parameters / 1e6:,.0f}",
                device=loaded.device.type, precision=precision, context=loaded.context_window)
    reason = loaded.reason
    why = (say(f"reason_{reason.key}", language, name=name, detail=markdown_text(reason.detail),
               bundled=BUNDLED_MODEL) if reason.key else markdown_text(reason.text))
    return f"{facts}  \n{why}"


LANGUAGE_CHOICES = [("English", "en"), ("中文", "zh-CN")]


def build_demo(runtime: Runtime, classroom: Classroom | None = None,
               shelf: Shelf | None = None) -> gr.Blocks:
    """The whole app: header, one tab per registered task, the "Look inside" views, Learn;
    ``classroom`` holds the classes that students follow (lmdemo/ui/follow.py); ``shelf``
    the models the app offers (lmdemo/shelf.py; None: ``runtime``'s one model), and
    ``runtime`` is then the current visitor's pick among them."""
    # One model: a runtime made by a shelf keeps its app's --models list in its config (its
    # banner says so), which must not turn this fallback into a shelf of several.
    shelf = shelf or Shelf(runtime.config.with_overrides(models=()), lambda _config: runtime)
    with gr.Blocks(title="lmdemo") as demo:
        with gr.Row(elem_id="page-header"):
            gr.Markdown(t("title"), elem_id="title")
            chooser = picker.build_picker(shelf)  # with --models: each visitor's pick
            present = gr.Checkbox(label=t("present_mode"), value=False, scale=0, min_width=200,
                                  elem_id="present-toggle")
            language = gr.Radio(LANGUAGE_CHOICES, value=None, show_label=False, scale=0,
                                min_width=180, label=t("language_switch"),
                                elem_id="lang-switch")
        gr.Markdown(t("subtitle"), elem_id="subtitle")
        banner = gr.Markdown(t("model_loading"), elem_id="model-banner", latex_delimiters=[])
        # Until the model is ready (a first start converts it), the banner shows the progress.
        ready, banner_now = add_status(shelf, banner, model_banner)
        shown, show_model = picker.wire_picker(demo, chooser, shelf, banner, ready, banner_now)
        picker.publish_models(shelf)
        notice = PlainText(visible=False, elem_id="link-notice")  # quotes the link's values
        bar = follow.build_bar()
        with gr.Tabs(overflow_behavior="wrap", elem_id="main-tabs") as tabs:
            targets = build_task_tabs(runtime, all_tasks(), ready)
            inner, views = build_inspect_tab(runtime, ready)
            compare = build_compare_tab(shelf)
            learn = build_learn_tab(runtime)
        page = links.Page(tabs, {"inspect": inner}, notice, present, chooser)
        all_targets = [*targets, *views, compare, learn.target]
        aliases = {"inspect": views[0].name}
        links.wire(demo, page, all_targets,
                   word=lambda n, request: say(n.key, language_of(request), **n.fields),
                   aliases=aliases, before=lambda request: picker.link_pick(shelf, request))

        def on_load(request: gr.Request) -> tuple[object, ...]:
            return language_of(request), *show_model(request)

        demo.load(on_load, outputs=[language, *shown], api_visibility="private")

        def measured(request: gr.Request) -> str:  # the Learn paragraph measured on the model
            return learn.facts_for(language_of(request))

        ready.then(measured, [learn.facts])
        present.input(fn=None, inputs=present, js="(on) => { window.lmdemo?.setPresent(on); }")
        present.change(fn=None, inputs=present,
                       js="(on) => { document.body.classList.toggle('lm-present', on); }")
        language.input(fn=None, inputs=language,
                       js="(lang) => { window.lmdemo?.switchLanguage(lang); }")
        # Last: it wraps the events above that draw results, to record a teacher's.
        follow.wire(demo, bar, page, all_targets, classroom or Classroom(), aliases)
    return demo


def launch_kwargs() -> dict[str, object]:
    """Arguments for ``demo.launch`` that style and translate the page."""
    from .i18n import I18N

    css = (ASSETS / "style.css").read_text() if (ASSETS / "style.css").exists() else None
    # Links, presentation mode and the language switch (see lmdemo/ui/links.py).
    # Pop-up titles in each language: Gradio writes the type ("Error") in English.
    titles = {lang: {"error": say("err_title", lang), "warning": say("notice_title", lang),
                     "info": say("notice_title", lang)} for lang in LANGUAGES}
    head = (f"<script>\nwindow.lmdemoToastTitles = {json.dumps(titles, ensure_ascii=False)};\n"
            f"{(ASSETS / 'lmdemo.js').read_text()}\n</script>")
    # ?lang= must reach Gradio's locale before its scripts start (lmdemo/ui/language.py).
    middleware = [Middleware(LanguageMiddleware, languages=tuple(LANGUAGES))]
    return {"i18n": I18N, "css": css, "theme": gr.themes.Soft(), "head": head,
            "app_kwargs": {"middleware": middleware}}
