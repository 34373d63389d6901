"""Text from a URL, a visitor or a model is shown as text (issue 18, section 1).

The Markdown oracle is markdown-it (CommonMark), not lmdemo's code: what ``markdown_text``
returns must render to no element at all and read back as the text it was given. The
browser suite (tests/browser/test_browser_plain.py) checks the same payloads in Gradio's own
renderer.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from markdown_it import MarkdownIt

from lmdemo.errors import InputError
from lmdemo.ui.adapters import user_errors
from lmdemo.ui.i18n import t
from lmdemo.ui.plain import PlainText, error, markdown_text

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = [
    "[login](https://evil.example/)",
    "![t](http://host/t.png)",
    "<img src=x onerror=alert(1)>",
    '<a href="https://evil.example/">Click here</a>',
    "<https://evil.example/> and https://evil.example/ and www.evil.example",
    "**bold** _it_ `code` ~~gone~~",
    "# heading\n\n1. item\n- item\n> quote\n\n---",
    "a & b &amp; c &#x3C;b&#x3E; \\* back\\slash",
    "$$x^2$$ | a | b |\n|---|---|",
    "[ref]\n\n[ref]: https://evil.example/",
]
TAG = re.compile(r"<(?!/?p>)[^>]*>")


def rendered_text(markdown: str) -> tuple[str, list[str]]:
    """(the text a reader sees, the tags other than <p>) of ``markdown`` rendered."""
    out = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    tags = TAG.findall(out)
    return html.unescape(re.sub(r"</?p>", "", out)), tags


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_text_renders_as_the_text_itself(payload):
    text, tags = rendered_text(markdown_text(payload))
    assert tags == []
    assert text.split() == payload.split()  # paragraphs may re-flow, words stay as written


def test_the_payloads_would_render_without_it():
    """The oracle sees the danger: raw, the payloads make links and images."""
    tags = [tag for p in PAYLOADS for tag in rendered_text(p)[1]]
    assert any(tag.startswith("<a ") for tag in tags)
    assert any(tag.startswith("<img") for tag in tags)


def test_plain_text_escapes_each_value_but_not_the_apps_own_strings():
    box = PlainText(elem_id="notice", visible=False)
    assert box.postprocess("⚠️ [login](https://evil.example/)") == (
        "⚠️ " + markdown_text("[login](https://evil.example/)"))
    assert box.postprocess(None) is None
    assert box.postprocess(t("copy_link")) == str(t("copy_link"))  # translated in the browser
    assert box.get_block_name() == "markdown"  # drawn by Gradio's own Markdown
    props = box.get_config()  # what the browser gets: Markdown's settings, "$$" not maths
    assert props["elem_id"] == "notice" and props["visible"] is False
    assert props["latex_delimiters"] == []


def test_error_pop_ups_show_their_message_as_text():
    link = '<a href="https://evil.example/">Click here</a>'
    assert error(link, "Error").message == (
        '&lt;a href="https://evil.example/"&gt;Click here&lt;/a&gt;')

    def rejects(value: str) -> None:
        raise InputError(f"Unknown target language {value!r}.")

    with pytest.raises(gr.Error) as info:
        user_errors(rejects)(link)  # a page event: its pop-up renders HTML
    assert "<a" not in info.value.message and "&lt;a href=" in info.value.message
    with pytest.raises(gr.Error) as info:  # an API endpoint: clients read the text itself
        user_errors(rejects, api=True)(link)
    assert info.value.message == f"Unknown target language {link!r}."


def test_no_pop_up_is_made_outside_plain():
    """gr.Error / gr.Warning / gr.Info render HTML: every one goes through lmdemo.ui.plain."""
    made = re.compile(r"\bgr\.(Error|Warning|Info)\(")
    found = [f"{path.relative_to(ROOT)}:{n}"
             for path in sorted((ROOT / "lmdemo" / "ui").rglob("*.py")) if path.name != "plain.py"
             for n, line in enumerate(path.read_text().splitlines(), 1) if made.search(line)]
    assert found == []


@pytest.fixture(scope="module")
def demo(tiny_runtime):
    from lmdemo.ui.app import build_demo

    return build_demo(tiny_runtime)


def test_every_markdown_an_event_writes_shows_text(demo):
    """A Markdown that an event fills is PlainText, except the server's own wording, whose
    fields are escaped one by one (tested below)."""
    # the model banner (on page load, and from the load-status timer: update), Learn's
    # measured paragraph (filled once the model is ready), the bias note
    own = {"on_load", "update", "measured", "note"}
    # A browser-only event (no server function: a follower's page taking the teacher's
    # updates) writes values a server event above already made, escaped there.
    loose = sorted({str(fn.name) for fn in demo.fns.values() for block in fn.outputs
                    if isinstance(block, gr.Markdown) and not isinstance(block, PlainText)
                    and fn.name not in own and fn.fn is not None})
    assert loose == []
    assert any(fn.fn is None and any(isinstance(b, gr.Markdown) for b in fn.outputs)
               for fn in demo.fns.values())  # the follower's copy exists, and is exempt
    notices = [b for b in demo.blocks.values() if isinstance(b, PlainText)]
    assert any(b.elem_id == "link-notice" for b in notices)
    assert len(notices) >= 1 + 6  # the link notice, one notice per task, ...


def _loaded(name: str, detail: str) -> SimpleNamespace:
    return SimpleNamespace(
        name=name, dtype_name="float32", fp16_weights=False, num_parameters=1e6,
        device=SimpleNamespace(type="cpu"), context_window=1024,
        reason=SimpleNamespace(key="fallback", detail=detail, text=""))


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_banner_and_bias_note_show_names_as_text(language):
    from lmdemo.ui.app import local_banner
    from lmdemo.ui.tabs.inspect_bias import bias_note

    name, detail = "[login](https://evil.example/)", "<img src=x onerror=alert(1)>"
    banner = local_banner(_loaded(name, detail), language)
    text, tags = rendered_text(banner)
    assert [tag for tag in tags if tag not in ("<strong>", "</strong>", "<br />")] == []
    assert name in text and detail in text
    note = bias_note(SimpleNamespace(remote=False, model_name=name), language)
    text, tags = rendered_text(note)
    assert tags == [] and name in text
