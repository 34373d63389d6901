"""UI strings: the messages of the Look-inside views when an input is missing."""

from __future__ import annotations

EN: dict[str, str] = {
    "err_view_next_token_empty": "Type the start of a sentence to see what the model expects "
                                 "next.",
    "err_view_prompt_empty": "The prompt is empty. Type the start of a text first.",
    "err_view_attention_empty": "Type some text to see where the model's attention goes.",
    "err_view_word_empty": "Type a word to look up.",
    "err_view_next_token_first": "Press the button to compute the next-token odds first.",
    "err_view_generate_first": "Generate some text first, then click one of its tokens.",
    "err_view_click_first": "Click a generated token first, then pick an alternative.",
    "err_view_pick_alternative": "Pick one of the alternative tokens to branch with.",
}

ZH: dict[str, str] = {
    "err_view_next_token_empty": "请输入一个句子的开头，看看模型预计下一个词元是什么。",
    "err_view_prompt_empty": "提示词是空的。请先输入一段文字的开头。",
    "err_view_attention_empty": "请输入一些文字，看看模型的注意力落在哪里。",
    "err_view_word_empty": "请输入要查找的词。",
    "err_view_next_token_first": "请先按按钮，计算下一个词元的概率。",
    "err_view_generate_first": "请先生成一些文字，再点击其中一个词元。",
    "err_view_click_first": "请先点击一个生成的词元，再选择一个备选词元。",
    "err_view_pick_alternative": "请选择一个备选词元来分支。",
}
