"""UI strings of the Q&A tab: picking a span of the text, and saying when the text does not."""

from __future__ import annotations

EN: dict[str, str] = {
    "help_answer_spans": "The model reads a few worked examples (text, question, shortest "
                         "answer; one text does not hold its answer), then yours. It scores "
                         "every short span of your text as the answer, less what the same "
                         "span scores after a question that asks nothing (so a span that "
                         "merely stands out does not win), and a few plain checks: *how "
                         "many* and *when* want a number or a time, *who* wants a name, "
                         "*which ocean* prefers a span with *ocean* in it, and an answer "
                         "rarely repeats the question's words. The phrase *not stated* is "
                         "scored too: the answer is the best span, or nothing when *not "
                         "stated* comes close. Untick *Answer with the text's own words* "
                         "to let it write the answer instead; the GPT-2 paper's **Q:** … "
                         "**A:** prompt is a preset under *Prompt sent*.",
    "answer_spans": "Answer with the text's own words",
    "answer_not_stated": "The text does not say.",
    "notice_answer_generated": "This server returns no scores for spans of the text, so the "
                               "answer was generated; it may use words the text does not have.",
}

ZH: dict[str, str] = {
    "help_answer_spans": "模型先读几个示例（文本、问题、最短答案；其中一段文本里没有答案），"
                         "再读你的文本。它给文本中每个短片段打分，并减去同一片段在一个什么也没问"
                         "的问题之后的得分（这样仅仅显眼的片段不会胜出），再做几项简单检查："
                         "问“多少”“什么时候”要数字或时间，问“谁”要人名，问“哪个大洋”优先含"
                         "“大洋”的片段，答案也很少重复问题里的词。它也给“not stated”（未提及）"
                         "打分：答案是得分最高的片段；若“not stated”与它相差无几，就不作答。"
                         "取消勾选 *用原文作答*，模型会自己写出答案；GPT-2 论文的 **Q:** … "
                         "**A:** 提示词是 *发送的提示词* 中的一个预设。",
    "answer_spans": "用原文作答",
    "answer_not_stated": "文中没有说。",
    "notice_answer_generated": "这个服务器不返回文本片段的分数，所以答案是模型生成的，"
                               "可能用了原文里没有的词。",
}
