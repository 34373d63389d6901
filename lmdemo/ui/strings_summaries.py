"""UI strings: the summarize task's notice about condensing a long article."""

from __future__ import annotations

EN: dict[str, str] = {
    "notice_condensed": "The article is long for this model: its first sentence and the "
                        "{picked} sentences that best sum it up ({kept} of {total}, {chars} of "
                        "{all_chars} characters) were summarized.",
}

ZH: dict[str, str] = {
    "notice_condensed": "这篇文章对这个模型来说太长：只摘要了第一句和最能概括全文的 {picked} 句"
                        "（{total} 句中的 {kept} 句，{all_chars} 个字符中的 {chars} 个）。",
}
