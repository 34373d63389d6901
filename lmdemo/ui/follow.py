"""Follow the teacher: ``/?teach=1`` opens a class, ``/?follow=CODE`` follows it.

The class itself is plain data (lmdemo/classroom.py). This module puts it on the page:

- the class bar above the tabs: the code, the student link and its QR code (drawn by
  ``segno``) for the teacher; "Back to the teacher" for a follower;
- the teacher's page posts the link query of the view on screen after each change
  (assets/lmdemo.js, ``publish``), and every result that reaches the teacher's page session
  is recorded as the class's (``record``: each event's function is wrapped once, and does
  nothing more for any other page);
- a follower's page listens to ``/lmdemo/class/CODE/events`` (lmdemo/ui/follow_stream.py): one
  server-sent event per new version, holding what changed as the widgets' own updates,
  worked out once for all followers (``as_sent``); the page script hands them to its widgets
  (a browser-side event, ``class-apply``), which draw them. Nothing reruns for a follower,
  and a follower costs the server one JSON line per change.

Driving needs the secret of the teacher's link, checked once per page session
(``Classroom.drive``); a follower's page session never drives, whatever it posts.
"""

from __future__ import annotations

import functools
import html
import inspect
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

import gradio as gr
import segno
from gradio.components.api_component import Api
from gradio.context import LocalContext
from gradio.data_classes import GradioModel, GradioRootModel

from ..classroom import Classroom, normal_code
from ..errors import ClassError
from .adapters import error_message
from .i18n import language_of, say, t
from .links import LinkTarget, Page, flag, param_of, parse_query, shown, view_spec, views_of

log = logging.getLogger(__name__)

QR_PIXELS = 200


@dataclass(frozen=True)
class ClassBar:
    """The widgets of the class bar, and the hidden ones the page script drives."""

    bar: gr.Group
    status: gr.Textbox
    link: gr.Textbox
    qr: gr.HTML
    secret: gr.Accordion
    secret_link: gr.Textbox
    end: gr.Button
    back: gr.Button
    info: gr.Textbox  # JSON for the page script: {"role", "code", "key"?}
    query_in: gr.Textbox  # the teacher's view, from the page script
    pointer_in: gr.Textbox
    key_in: gr.Textbox  # the teacher's key, from the page script, once per page
    publish: gr.Button
    apply: gr.Button  # a follower's page script sets its widgets through this one's event
    claim: gr.Button


def build_bar() -> ClassBar:
    """The class bar, hidden until the page is a class's teacher or follower."""
    hidden = {"elem_classes": "lm-hidden", "container": False, "show_label": False}
    with gr.Group(visible=False, elem_id="class-bar") as bar:
        status = gr.Textbox(show_label=False, interactive=False, elem_id="class-status",
                            label=t("class_status"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                link = gr.Textbox(label=t("class_student_link"), interactive=False,
                                  visible=False, buttons=["copy"], elem_id="class-link")
                gr.Markdown(t("class_following"), elem_classes="lm-when-following")
                gr.Markdown(t("class_away"), elem_classes="lm-when-away")
                with gr.Row():
                    back = gr.Button(t("class_back"), visible=False, elem_id="class-back",
                                     variant="primary", scale=0, min_width=200)
                    end = gr.Button(t("class_end"), visible=False, elem_id="class-end",
                                    variant="stop", scale=0, min_width=240)
                with gr.Accordion(t("class_secret_title"), open=False, visible=False,
                                  elem_id="class-secret") as secret:
                    secret_link = gr.Textbox(label=t("class_secret_link"), interactive=False,
                                             buttons=["copy"], elem_id="class-secret-link")
            qr = gr.HTML("", elem_id="class-qr", min_height=0)
    info = gr.Textbox(elem_id="class-info", **hidden)
    query_in = gr.Textbox(elem_id="class-query-in", **hidden)
    pointer_in = gr.Textbox(elem_id="class-pointer-in", **hidden)
    key_in = gr.Textbox(elem_id="class-key-in", **hidden)
    publish = gr.Button(elem_id="class-publish", elem_classes="lm-hidden")
    apply = gr.Button(elem_id="class-apply", elem_classes="lm-hidden")
    claim = gr.Button(elem_id="class-claim", elem_classes="lm-hidden")
    return ClassBar(bar, status, link, qr, secret, secret_link, end, back, info, query_in,
                    pointer_in, key_in, publish, apply, claim)


# ---- plain helpers -----------------------------------------------------------------------------

def page_address(headers: Mapping[str, str]) -> str:
    """The address of the page that sent an event, without its query: the browser's Referer,
    else its Origin (both are the visitor's word, so only ever shown as text or a QR code)."""
    referer = headers.get("referer", "").split("#")[0].split("?")[0]
    if referer.startswith(("http://", "https://")):
        return referer
    origin = headers.get("origin", "")
    return origin.rstrip("/") + "/" if origin.startswith(("http://", "https://")) else "/"


def qr_html(url: str, alt: str) -> str:
    """The QR code of ``url`` as an image, drawn by segno."""
    uri = segno.make(url, error="m").svg_data_uri(border=2)
    return (f'<img src="{html.escape(uri, quote=True)}" alt="{html.escape(alt, quote=True)}" '
            f'width="{QR_PIXELS}" height="{QR_PIXELS}" class="lm-qr">')


def results_of(outputs: Sequence[object], prediction: object,
               keep: Callable[[object], bool]) -> dict[object, dict]:
    """What one event's return value does to the widgets ``keep`` accepts, as
    {widget: properties}; skipped outputs are left out."""
    if (isinstance(prediction, dict) and prediction
            and all(isinstance(k, gr.blocks.Block) for k in prediction)):
        pairs: Iterable = prediction.items()
    elif len(outputs) == 1:
        pairs = [(outputs[0], prediction)]
    elif isinstance(prediction, (tuple, list)) and len(prediction) == len(outputs):
        pairs = zip(outputs, prediction, strict=True)
    else:
        return {}
    found = {}
    for widget, value in pairs:
        if not keep(widget):
            continue
        if isinstance(value, dict) and value.get("__type__") == "update":
            props = {k: v for k, v in value.items() if k != "__type__"}
        elif isinstance(value, gr.blocks.Block):  # a widget returned as its own update
            continue
        else:
            props = {"value": value}
        if props:
            found[widget] = props
    return found


def as_sent(widget: object, value: object) -> dict:
    """A widget's new value or properties as its page receives them (JSON), worked out as
    Gradio works out an event's output: the value through the widget's ``postprocess``,
    other properties as the widget's constructor normalizes them (a dropdown's choices)."""
    if isinstance(value, gr.Tabs):
        return {"__type__": "update", "selected": value.selected}
    if isinstance(value, dict) and value.get("__type__") == "update":
        props = {k: v for k, v in value.items() if k != "__type__"}
    else:
        props = {"value": value}
    extra = {k: v for k, v in props.items() if k != "value"}
    shaped, out = widget, {}
    if extra:
        kwargs = {**widget.constructor_args, **extra, "render": False}  # type: ignore[attr-defined]
        kwargs.pop("value", None)
        shaped = widget.__class__(**kwargs)
        out = {k: getattr(shaped, k) for k in extra if hasattr(shaped, k)}
    if "value" in props:
        shown = shaped.postprocess(props["value"])  # type: ignore[attr-defined]
        if isinstance(shown, (GradioModel, GradioRootModel)):
            shown = shown.model_dump()
        out["value"] = shown
    return {**out, "__type__": "update"}


def _session() -> str | None:
    request = LocalContext.request.get(None)
    return getattr(request, "session_hash", None)


def recording(fn: Callable, note: Callable[[object], None]) -> Callable:
    """``fn`` that also passes each return value (each step of a generator) to ``note``;
    of the same kind as ``fn`` (function, coroutine, generator), as Gradio checks that."""
    # A generator is closed at once when its wrapper is (Stop cancels a stream that way).
    if inspect.isasyncgenfunction(fn):
        @functools.wraps(fn)
        async def agen(*args, **kwargs):
            inner = fn(*args, **kwargs)
            try:
                async for value in inner:
                    note(value)
                    yield value
            finally:
                await inner.aclose()
        return agen
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen(*args, **kwargs):
            inner = fn(*args, **kwargs)
            try:
                for value in inner:
                    note(value)
                    yield value
            finally:
                inner.close()
        return gen
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def coro(*args, **kwargs):
            value = await fn(*args, **kwargs)
            note(value)
            return value
        return coro

    @functools.wraps(fn)
    def plain(*args, **kwargs):
        value = fn(*args, **kwargs)
        note(value)
        return value
    return plain


def inside(root: gr.blocks.BlockContext) -> set[int]:
    """The ids of every block under ``root``."""
    found, todo = set(), [root]
    while todo:
        block = todo.pop()
        found.add(block._id)
        todo.extend(getattr(block, "children", []) or [])
    return found


def record(demo: gr.Blocks, classroom: Classroom, root: gr.blocks.BlockContext,
           skip: Iterable[object] = ()) -> list[gr.components.Component]:
    """Make every event that draws under ``root`` record what it returns to a teacher's page
    session as the class's results; returns the widgets that can be recorded."""
    ids = inside(root)

    def keep(widget: object) -> bool:
        # Not the per-visitor gr.State, nor the API endpoints' results (gr.api): no widget
        # shows them.
        return (getattr(widget, "_id", None) in ids
                and not isinstance(widget, (gr.State, Api)))

    skipped = set(skip)
    recordable: dict[int, gr.components.Component] = {}
    for block_fn in demo.fns.values():
        if block_fn.fn is None or block_fn.fn in skipped:
            continue
        outputs = list(block_fn.outputs)
        kept = [o for o in outputs if keep(o)]
        if not kept:
            continue
        recordable.update((o._id, o) for o in kept)

        def note(value: object, outputs: list = outputs) -> None:
            session = _session()
            if session is None or not classroom.driving(session):
                return
            try:
                found = results_of(outputs, value, keep)
                classroom.record(session, {w._id: as_sent(w, {**p, "__type__": "update"})
                                           for w, p in found.items()})
            except Exception:  # sharing must never break the teacher's own run: a bug, logged
                log.exception("Could not share a result with the class")

        block_fn.fn = recording(block_fn.fn, note)
    return list(recordable.values())


# ---- the page ----

def wire(demo: gr.Blocks, bar: ClassBar, page: Page, targets: Sequence[LinkTarget],
         classroom: Classroom, aliases: Mapping[str, str] | None = None) -> None:
    """Make ``?teach=`` and ``?follow=`` work on the built page (call it last)."""
    by_name = {target.name: target for target in targets}
    own = {target.name: {n: param_of(c) for n, c in target.params.items()}
           for target in targets}
    for target in targets:  # the teacher's page publishes the view on screen on each change
        spec = view_spec(target)
        gr.on([_tab(demo, target.tab).select, *(c.change for c in target.params.values())],
              fn=None, inputs=list(target.params.values()),
              js="(...v) => { window.lmdemo?.noteView(%s, v); }" % json.dumps(spec))
    for parent in page.nested:
        _tab(demo, parent).select(fn=None, js="() => { window.lmdemo?.noteView(null, []); }")

    def teacher(code: str, request: gr.Request, secret: str | None = None) -> dict:
        language = language_of(request)
        url = f"{page_address(request.headers)}?follow={code}"
        out = {bar.bar: gr.update(visible=True),
               bar.status: say("class_teaching", language, code=code),
               bar.link: gr.update(value=url, visible=True),
               bar.qr: qr_html(url, say("class_qr", language, code=code)),
               bar.end: gr.update(visible=True),
               bar.info: json.dumps({"role": "teacher", "code": code,
                                     **({"key": secret} if secret else {})})}
        if secret:  # shown once: a reload of the teacher's page shows it no more
            out[bar.secret] = gr.update(visible=True)
            out[bar.secret_link] = (f"{page_address(request.headers)}?teach={code}"
                                    f"&key={secret}")
        return out

    def refused(exc: ClassError, request: gr.Request) -> dict:
        return {bar.bar: gr.update(visible=True),
                bar.status: error_message(exc, language_of(request)),
                bar.info: json.dumps({"role": "none"})}

    def start(request: gr.Request) -> dict:
        query = request.query_params
        teach, follow = query.get("teach"), query.get("follow")
        try:
            if teach is not None and flag(teach):
                lesson = classroom.open()
                classroom.drive(lesson.code, lesson.secret, request.session_hash)
                return teacher(lesson.code, request, lesson.secret)
            if teach:  # the page script claims it with the key it keeps
                classroom.find(teach)
                return {bar.info: json.dumps({"role": "claim", "code": normal_code(teach)})}
            if follow is not None:
                lesson = classroom.find(follow)
                return {bar.bar: gr.update(visible=True), bar.back: gr.update(visible=True),
                        bar.status: say("class_follow_status", language_of(request),
                                        code=lesson.code),
                        bar.info: json.dumps({"role": "follower", "code": lesson.code})}
        except ClassError as exc:
            return refused(exc, request)
        return {bar.info: gr.skip()}

    def claim(key: str, request: gr.Request) -> dict:
        code = request.query_params.get("teach", "")
        try:
            classroom.drive(code, key or "", request.session_hash)
        except ClassError as exc:
            return refused(exc, request)
        return teacher(normal_code(code), request)

    def view_of(query: str) -> dict[int, dict]:
        """What the view ``query`` sets on a follower's page, as the widgets receive it."""
        asked = dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
        views = views_of(asked, by_name, own, aliases)
        opened = parse_query(asked, views, aliases)
        out = shown(opened, page, by_name, views, own, defaults=True)
        if page.model is not None:  # the teacher's model: the follower's picker follows
            model = asked.get("model", "")
            out[page.model] = model if model in param_of(page.model).choices else \
                page.model.value
        return {widget._id: as_sent(widget, value) for widget, value in out.items()}

    def publish(query: str, pointer: str, request: gr.Request) -> None:
        if not classroom.driving(request.session_hash):
            return  # a follower's page, or anyone's: nothing to share, nothing worked out
        try:
            classroom.show(request.session_hash, query or "", pointer or "",
                           widgets=view_of(query or ""))
        except ClassError as exc:
            log.info("Class view not shared: %s", exc)

    def end(request: gr.Request) -> dict:
        code = classroom.driving(request.session_hash)
        classroom.end(request.session_hash)
        return {bar.status: say("class_closed", language_of(request), code=code or ""),
                bar.end: gr.update(visible=False), bar.link: gr.update(visible=False),
                bar.qr: "", bar.info: json.dumps({"role": "none"})}

    demo.load(start, outputs=_outputs(bar, [bar.info]), api_name="class_start",
              api_visibility="private", show_progress="hidden")
    bar.info.change(fn=None, inputs=bar.info, js="(v) => { window.lmdemo?.classInfo(v); }")
    bar.claim.click(claim, inputs=bar.key_in, outputs=_outputs(bar, [bar.info]),
                    js="() => [window.lmdemo?.teacherKey() || '']", api_name="class_claim",
                    api_visibility="private", show_progress="hidden")
    bar.publish.click(publish, inputs=[bar.query_in, bar.pointer_in],
                      js="() => window.lmdemo?.teacherView() || ['', '']",
                      api_name="class_publish", api_visibility="private",
                      show_progress="hidden", trigger_mode="always_last")
    bar.end.click(end, outputs=_outputs(bar, [bar.info]), api_name="class_end",
                  api_visibility="private")
    recordable = record(demo, classroom, page.tabs, skip=[start, claim, publish, end])
    widgets = [c for target in targets for c in target.params.values()]
    picker = [page.model] if page.model is not None else []
    shown_out = list(dict.fromkeys([page.tabs, *page.nested.values(), *widgets, *recordable,
                                    *picker, bar.status, bar.back]))
    ids = {"ids": [w._id for w in shown_out], "status": bar.status._id, "back": bar.back._id}
    # A follower's widgets take the teacher's updates in the browser: no server event.
    bar.apply.click(fn=None, outputs=shown_out,
                    js="() => window.lmdemo?.takeUpdates(%s)" % json.dumps(ids))
    bar.back.click(fn=None, js="() => { window.lmdemo?.rejoin(); }")


def _tab(demo: gr.Blocks, tab_id: str) -> gr.Tab:
    return next(b for b in demo.blocks.values() if isinstance(b, gr.Tab) and b.id == tab_id)


def _outputs(bar: ClassBar, extra: Sequence[object]) -> list:
    return [bar.bar, bar.status, bar.link, bar.qr, bar.secret, bar.secret_link, bar.end,
            bar.back, *extra]
