"""Text from a URL, a visitor or a model, shown as text: never as Markdown or HTML.

Gradio renders a ``gr.Markdown`` value as Markdown (with HTML, sanitised but keeping links and
images) and the message of ``gr.Error`` / ``gr.Warning`` as HTML. A link's value, an error
that quotes it, or a model's answer could therefore put a working link or an image from
another site inside the app's own notice. Every notice goes through this module:

- ``PlainText``: a Markdown area that shows whatever it is given as written (link notices,
  run notices, what extract dropped);
- ``markdown_text``: one untrusted field inside a trusted Markdown string (the banner's
  model name);
- ``error`` / ``warning``: the pop-ups, with their message escaped as HTML (left as it is
  for an endpoint that only API clients call).
"""

from __future__ import annotations

import html

import gradio as gr
from gradio.i18n import I18nData

# CommonMark lets a backslash escape any ASCII punctuation. Escaping all of it (":" and "/"
# too) also stops the GFM autolinks, which need "http://" or "www." written out; "&<>" become
# entities, so no HTML tag or entity can be spelled either.
_MARKDOWN = str.maketrans(
    {c: "\\" + c for c in "\\`*_{}[]()#+-.!|~:/\"'$%=?@;,^"}
    | {"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def markdown_text(text: object) -> str:
    """``text`` escaped so that Markdown (and the HTML in it) shows it exactly as written."""
    return str(text).translate(_MARKDOWN)


def html_text(text: object) -> str:
    """``text`` escaped so that HTML shows it exactly as written."""
    return html.escape(str(text), quote=False)


class PlainText(gr.Markdown):
    """``gr.Markdown`` whose every value is shown as text (a translated UI string as is)."""

    is_template = True  # drawn by the browser's own Markdown component

    def __init__(self, value: str | I18nData | None = None, **kwargs: object):
        kwargs.setdefault("latex_delimiters", [])  # "$$" in a value is text, not a formula
        super().__init__(value, **kwargs)  # type: ignore[arg-type]

    def get_config(self, cls: type | None = None) -> dict:
        """Gradio reads the props from the constructor's signature: Markdown's, not ours."""
        return super().get_config(cls or gr.Markdown)

    def postprocess(self, value: str | I18nData | None) -> str | dict | None:  # type: ignore[override]
        """Escape a str value; leave None and the app's own translatable strings alone."""
        return super().postprocess(markdown_text(value) if isinstance(value, str) else value)


def error(message: str, title: str, page: bool = True) -> gr.Error:
    """A ``gr.Error`` to raise, showing ``message`` as text; no traceback is printed.

    ``page=False`` is for an endpoint only API and MCP clients call: they read the message
    as it is, so it is not escaped (no page renders it).
    """
    return gr.Error(html_text(message) if page else message, title=title,
                    print_exception=False)


def warning(message: str, title: str, page: bool = True) -> None:
    """Show ``message`` as text in a warning pop-up (``page`` as for ``error``)."""
    gr.Warning(html_text(message) if page else message, title=title)
