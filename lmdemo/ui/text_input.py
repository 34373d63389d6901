"""A text box that hands the API's raw value to the core instead of ``str()`` of it.

``gr.Textbox`` turns whatever an API client sends into text, so ``5`` or ``["a"]`` became
the prompt "5" or "['a']". This box passes a value that is not text on unchanged, so the
core's check (``lmdemo.inputs``) refuses it with a message naming the field. In the page it
is a plain Textbox (same front-end component, same behaviour).
"""

from __future__ import annotations

import gradio as gr


class TextInput(gr.Textbox):
    """``gr.Textbox`` whose API input is not stringified: non-text reaches the core as is."""

    is_template = True  # the browser draws it with Textbox's own component

    def preprocess(self, payload: object) -> object:  # type: ignore[override]
        """Text as it is; any other value, unchanged, for the core to refuse."""
        return payload
