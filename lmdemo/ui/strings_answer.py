"""UI strings of the Q&A tab: picking a span of the text, and saying when the text does not."""

from __future__ import annotations

EN: dict[str, str] = {
    "help_answer_spans": "The model reads a few worked examples (text, question, shortest "
                         "answer; one text does not hold its answer), then yours. It scores "
                         "every short span of your text as the answer, with a few plain "
                         "checks: a span from a sentence that shares the question's words "
                         "gains, a span that repeats the question's words loses, and *which "
                         "ocean* prefers a span with *ocean* in it. The phrase *not stated* "
                         "is scored too: the answer is the best span, or nothing when *not "
                         "stated* comes close, or when the text lacks the question's words. "
                         "Untick *Answer with the text's own words* to let it write the "
                         "answer instead; the GPT-2 paper's **Q:** … **A:** prompt is a "
                         "preset under *Prompt sent*.",
    "answer_spans": "Answer with the text's own words",
    "answer_not_stated": "The text does not say.",
    "notice_answer_generated": "This server returns no scores for spans of the text, so the "
                               "answer was generated; it may use words the text does not have.",
}

ZH: dict[str, str] = {
    "help_answer_spans": "模型先读几个示例（文本、问题、最短答案；其中一段文本里没有答案），"
                         "再读你的文本。它给文本中每个短片段打分，再做几项简单检查：与问题用词"
                         "相同的句子里的片段加分，重复问题里的词的片段减分，问“哪个大洋”优先含"
                         "“大洋”的片段。它也给“not stated”（未提及）打分：答案是得分最高的片段；"
                         "若“not stated”与它相差无几，或文本里没有问题中的词，就不作答。"
                         "取消勾选 *用原文作答*，模型会自己写出答案；GPT-2 论文的 **Q:** … "
                         "**A:** 提示词是 *发送的提示词* 中的一个预设。",
    "answer_spans": "用原文作答",
    "answer_not_stated": "文中没有说。",
    "notice_answer_generated": "这个服务器不返回文本片段的分数，所以答案是模型生成的，"
                               "可能用了原文里没有的词。",
}
