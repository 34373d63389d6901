"""Links that reopen a view: ``?tab=NAME`` plus any input or control by its API name.

Each tab builder returns a ``LinkTarget``: its link name (a task's API name, or a view's such
as ``attention``), the id of its ``gr.Tab``, its widgets keyed by API parameter name and the
button that runs it. ``wire`` turns the targets into the page's behaviour:

- on load, the query (``request.query_params``) is parsed by ``parse_query``, a plain
  function: it selects the tab, fills the fields, and with ``run=1`` clicks Run in the
  browser. Bad values keep the field's default and are named in one notice, never a crash.
- every tab gets a "Copy link" button: browser-side JS reads the current values, builds the
  URL (values equal to the page's defaults are left out, so links stay short) and copies it,
  and shows it in a box for browsers that refuse clipboard access.
- the address bar follows the tab (``history.replaceState``), so a reload keeps the place;
  the view a link filled keeps the link's inputs there, without ``run=1``.

The state lives in the URL only, so a link still works after the server restarts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import gradio as gr

from .i18n import t

TEXT, NUMBER, CHOICE, FLAG = "text", "number", "choice", "flag"
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")
# Parameters of the page itself, not of a view.
PAGE_PARAMS = ("tab", "run", "present", "lang", "teach", "follow", "model")
MAX_VALUE_CHARS = 20_000  # the app's input limit; a longer value is refused, not truncated


@dataclass(frozen=True)
class Param:
    """What a link may put into one widget: its kind and valid values."""

    kind: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    choices: tuple[str, ...] = ()
    any_choice: bool = False  # a dropdown that takes custom values passes them on


@dataclass(frozen=True)
class LinkTarget:
    """One view a link can open: ``?tab=name`` selects the gr.Tab ``tab``."""

    name: str
    tab: str
    params: Mapping[str, gr.components.Component] = field(default_factory=dict)
    run: gr.Button | None = None
    # Valid values known only from the live model (attention's layers and heads), asked for
    # when a link is opened; they override what the widget itself allows.
    model_params: Callable[[], Mapping[str, Param]] | None = None
    parent: str | None = None  # the id of the outer tab holding ``tab``, if nested


@dataclass(frozen=True)
class Notice:
    """A problem with a link, worded later in the visitor's language (lmdemo/locales/*.json)."""

    key: str
    fields: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Opened:
    """What a query asks for: the view, its field values, run it?, presentation mode?"""

    name: str | None
    values: dict[str, object]
    run: bool = False
    present: bool = False
    notices: tuple[Notice, ...] = ()


# ---- parsing and building (plain functions) --------------------------------------------------

def param_of(component: gr.components.Component) -> Param:
    """The values a widget accepts, from its own settings."""
    if isinstance(component, gr.Checkbox):
        return Param(FLAG)
    if isinstance(component, (gr.Dropdown, gr.Radio)):
        choices = tuple(str(c[1] if isinstance(c, tuple) else c) for c in component.choices)
        return Param(CHOICE, choices=choices,
                     any_choice=bool(getattr(component, "allow_custom_value", False)))
    if isinstance(component, gr.Slider):
        integer = float(component.step).is_integer() and float(component.minimum).is_integer()
        return Param(NUMBER, component.minimum, component.maximum, integer)
    if isinstance(component, gr.Number):
        return Param(NUMBER, component.minimum, component.maximum, component.precision == 0)
    return Param(TEXT)


def _number(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_value(name: str, raw: str, param: Param) -> tuple[object | None, Notice | None]:
    """One query value -> (the widget's value, None) or (None, a notice naming the problem)."""
    if param.kind == TEXT:
        if len(raw) > MAX_VALUE_CHARS:
            return None, Notice("link_too_long", {"name": name, "limit": f"{MAX_VALUE_CHARS:,}"})
        return raw, None
    if param.kind == FLAG:
        word = raw.strip().lower()
        if word in TRUE or word in FALSE:
            return word in TRUE, None
        return None, Notice("link_bad_flag", {"name": name, "value": raw})
    if param.kind == CHOICE:
        if raw in param.choices or param.any_choice:
            return raw, None
        return None, Notice("link_bad_choice", {"name": name, "value": raw,
                                                "choices": ", ".join(param.choices)})
    value = _number(raw)
    low = -math.inf if param.low is None else param.low
    high = math.inf if param.high is None else param.high
    fits = value is not None and low <= value <= high
    if fits and param.integer and not value.is_integer():  # type: ignore[union-attr]
        fits = False
    if not fits:
        key = "link_bad_whole" if param.integer else "link_bad_number"
        return None, Notice(key, {"name": name, "value": raw, "range": _range(param)})
    return (int(value) if param.integer else value), None  # type: ignore[arg-type]


def _range(param: Param) -> str:
    """The valid range in symbols every language reads the same way: " (0–11)", " (≥ 0)"."""
    def show(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else f"{x:g}"

    if param.low is not None and param.high is not None:
        return f" ({show(param.low)}–{show(param.high)})"
    if param.low is not None:
        return f" (≥ {show(param.low)})"
    if param.high is not None:
        return f" (≤ {show(param.high)})"
    return ""


def flag(raw: str | None) -> bool:
    """A page switch such as ``run=1`` or ``present=true``."""
    return (raw or "").strip().lower() in TRUE


def parse_query(query: Mapping[str, str], views: Mapping[str, Mapping[str, Param]],
                aliases: Mapping[str, str] | None = None) -> Opened:
    """Read a link's query: which view (``views`` maps each name to its parameters), which
    values, and the page switches. Unknown names and bad values become notices."""
    present = flag(query.get("present"))
    name = query.get("tab")
    if name is None:
        return Opened(None, {}, present=present)
    name = (aliases or {}).get(name, name)
    if name not in views:
        return Opened(None, {}, present=present,
                      notices=(Notice("link_unknown_tab", {"name": name,
                                                           "names": ", ".join(views)}),))
    params = views[name]
    values: dict[str, object] = {}
    notices = []
    for key, raw in query.items():
        if key in PAGE_PARAMS:
            continue
        if key not in params:
            notices.append(Notice("link_unknown_param", {
                "name": key, "tab": name, "names": ", ".join(params) or "—"}))
            continue
        value, notice = parse_value(key, raw, params[key])
        if notice:
            notices.append(notice)
        else:
            values[key] = value
    return Opened(name, values, flag(query.get("run")), present, tuple(notices))


def link(name: str, run: bool = False, **values: object) -> str:
    """A relative URL that opens the view ``name`` with ``values``, e.g. ``?tab=attention&...``."""
    query: dict[str, object] = {"tab": name}
    for key, value in values.items():
        if isinstance(value, bool):
            value = int(value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        query[key] = value
    if run:
        query["run"] = 1
    return "?" + urlencode(query)


# ---- wiring (Gradio) -------------------------------------------------------------------------

def _update(component: gr.components.Component, value: object, param: Param,
            own: Param) -> object:
    """The load output for one widget: its value, and a range the model allows if wider."""
    if param == own:
        return value
    if param.kind == NUMBER and param.high is not None:
        return gr.update(value=value, maximum=max(param.high, own.high or param.high))
    if param.kind == CHOICE and param.choices:
        return gr.update(value=value, choices=list(param.choices))
    return value


def _tab_of(demo: gr.Blocks, tab_id: str) -> gr.Tab:
    for block in demo.blocks.values():
        if isinstance(block, gr.Tab) and block.id == tab_id:
            return block
    raise KeyError(f"No gr.Tab with id {tab_id!r} for a link target")


COPY_JS = """
(...values) => {
  const spec = %s;
  const url = window.lmdemo ? window.lmdemo.linkFor(spec, values) : location.href;
  if (navigator.clipboard) navigator.clipboard.writeText(url).catch(() => {});
  return url;
}
"""
SELECT_JS = "() => { window.lmdemo && window.lmdemo.showTab(); }"
RUN_JS = "() => { window.lmdemo && window.lmdemo.runFromLink(%s); }"


def js_value(value: object) -> object:
    """A widget default as the browser sees it (for leaving defaults out of a link)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def view_spec(target: LinkTarget) -> dict:
    """What the page script needs to write a view's link: its name, fields and defaults."""
    return {"tab": target.name, "names": list(target.params),
            "defaults": [js_value(c.value) for c in target.params.values()]}


def add_copy_link(target: LinkTarget) -> None:
    """A "Copy link" button and a box showing the link, in the current layout context."""
    names = list(target.params)
    spec = view_spec(target)
    with gr.Row(elem_classes="lm-link-row"):
        button = gr.Button(t("copy_link"), size="sm", scale=0, min_width=140,
                           elem_id=f"copy-link-{target.name}", elem_classes="lm-copy-link")
        # The label is never shown, but a screen reader reads it (Gradio's default: "Textbox").
        box = gr.Textbox(label=t("link_box"), show_label=False, interactive=False, max_lines=3,
                         scale=4, min_width=260,
                         placeholder=t("copy_link_hint"), buttons=["copy"],
                         elem_id=f"link-box-{target.name}", elem_classes="lm-link-box")
    button.click(fn=None, inputs=[target.params[n] for n in names], outputs=box,
                 js=COPY_JS % json.dumps(spec, ensure_ascii=False))


@dataclass(frozen=True)
class Page:
    """The page-level widgets that links drive."""

    tabs: gr.Tabs
    nested: Mapping[str, gr.Tabs]  # outer tab id -> the gr.Tabs inside it
    notice: gr.Markdown
    present: gr.Checkbox
    model: gr.Dropdown | None = None  # the model picker (lmdemo/ui/picker.py), if several


def wire(demo: gr.Blocks, page: Page, targets: Sequence[LinkTarget],
         word: Callable[[Notice, gr.Request], str], aliases: Mapping[str, str] | None = None,
         before: Callable[[gr.Request], Notice | None] | None = None) -> None:
    """Add Copy-link rows, restore a link's state on load, and make the URL follow the tab.
    ``before``: what the page does first with a link's own parameters (picks its
    ``model=``, whose ranges the view's fields then take); a notice if it could not."""
    by_name = {target.name: target for target in targets}
    own = {target.name: {n: param_of(c) for n, c in target.params.items()}
           for target in targets}
    for target in targets:
        tab = _tab_of(demo, target.tab)
        if target.params:
            with tab:
                add_copy_link(target)
        tab.select(fn=None, js=SELECT_JS)
        if target.run is not None and not target.run.elem_id:
            target.run.elem_id = f"run-{target.name}"
    for parent in page.nested:  # selecting the outer tab shows its inner view's name
        _tab_of(demo, parent).select(fn=None, js=SELECT_JS)

    widgets: list[gr.components.Component] = []
    for target in targets:
        widgets.extend(c for c in target.params.values() if c not in widgets)
    outputs = [page.tabs, *page.nested.values(), page.notice, page.present, *widgets]

    def restore(request: gr.Request) -> dict:
        first = before(request) if before is not None else None
        query = dict(request.query_params)
        views = views_of(query, by_name, own, aliases)
        opened = parse_query(query, views, aliases)
        notices = (*([first] if first else []), *opened.notices)
        # Always name one output: Gradio reads an empty dict as one value, not as no update.
        out: dict = {page.notice: gr.skip()}
        if opened.present:
            out[page.present] = True
        if notices:
            out[page.notice] = gr.update(value="\n\n".join(
                f"⚠️ {word(n, request)}" for n in notices), visible=True)
        return {**out, **shown(opened, page, by_name, views, own)}

    demo.load(restore, outputs=outputs, api_visibility="private", show_progress="hidden"
              ).then(fn=None, js=RUN_JS % json.dumps(page_views(targets, page, aliases)))


def views_of(query: Mapping[str, str], by_name: Mapping[str, LinkTarget],
             own: Mapping[str, Mapping[str, Param]], aliases: Mapping[str, str] | None = None
             ) -> dict[str, Mapping[str, Param]]:
    """Each view's parameters, with the live model's ranges for the view ``query`` asks for."""
    views = dict(own)
    asked = (aliases or {}).get(query.get("tab", ""), query.get("tab", ""))
    if asked in by_name and by_name[asked].model_params is not None:
        views[asked] = {**own[asked], **by_name[asked].model_params()}  # type: ignore[misc]
    return views


def shown(opened: Opened, page: Page, by_name: Mapping[str, LinkTarget],
          views: Mapping[str, Mapping[str, Param]], own: Mapping[str, Mapping[str, Param]],
          defaults: bool = False) -> dict:
    """The updates that show the view ``opened`` with its values; with ``defaults`` every
    other field of the view goes back to its default (a class's follower, lmdemo/ui/follow.py)."""
    if opened.name is None:
        return {}
    target = by_name[opened.name]
    out: dict = {}
    if target.parent is None:
        out[page.tabs] = gr.Tabs(selected=target.tab)
    else:
        out[page.tabs] = gr.Tabs(selected=target.parent)
        out[page.nested[target.parent]] = gr.Tabs(selected=target.tab)
    values = dict(opened.values)
    if defaults:
        values = {**{k: c.value for k, c in target.params.items()}, **values}
    for key, value in values.items():
        out[target.params[key]] = _update(target.params[key], value,
                                          views[opened.name][key], own[opened.name][key])
    return out


def page_views(targets: Sequence[LinkTarget], page: Page,
               aliases: Mapping[str, str] | None = None) -> dict:
    """What assets/lmdemo.js needs to name the view on screen and run a link's view: each
    view's Run button, its tab and outer tab, each outer tab's first view, and the aliases."""
    return {
        "run": {t.name: t.run.elem_id for t in targets if t.run is not None},
        "tabs": {t.tab: {"name": t.name, "parent": t.parent} for t in targets},
        "parents": {parent: next(t.name for t in targets if t.parent == parent)
                    for parent in page.nested},
        "aliases": dict(aliases or {}),
    }
