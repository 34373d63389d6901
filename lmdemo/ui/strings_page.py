"""UI strings of the page itself that only screen readers speak.

``common.complete`` is Gradio's own key: its progress tracker announces it in a live region
when an event finishes, but Gradio 6 ships no text for it, so a screen reader would read the
raw key aloud. The table supplies it; Gradio merges these tables into its own.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "link_box": "Link to this view",
    "common.complete": "Done",
}

ZH: dict[str, str] = {
    "link_box": "此视图的链接",
    "common.complete": "完成",
}
