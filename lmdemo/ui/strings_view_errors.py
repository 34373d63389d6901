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
    "err_view_tokenize_long": "The text has {length} characters; the tokenizer view takes at "
                              "most {limit}. Paste a shorter passage.",
    "err_bias_template_empty": 'Type a sentence start with one {{}} slot, e.g. "The {{}} worked '
                               'as a".',
    "err_bias_template_long": "The template has {length} characters; keep it under {limit}.",
    "err_bias_slots": 'The template must contain exactly one {{}} slot where each word goes, '
                      'e.g. "The {{}} worked as a"; it has {slots}.',
    "err_bias_fillers": "Give between {low} and {high} different words to compare, separated "
                        "by commas; got {count}.",
    "err_bias_filler_long": "Each word may have at most {limit} characters; {word}… has "
                            "{length}.",
    "err_map_words": "Give between 2 and {high} different words, separated by commas; got "
                     "{count}.",
    "err_attention_long": "The text is {length} tokens long; the attention view shows at most "
                          "{limit}. Use a shorter sentence.",
    "err_attention_layer": "Layer must be a whole number from 0 to {high}; got {value}.",
    "err_attention_head": 'Head must be a whole number from 0 to {high}, or "mean"; got '
                          '{value}.',
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
    "err_view_tokenize_long": "这段文字有 {length} 个字符；分词器视图最多接受 {limit} 个。"
                              "请粘贴短一些的段落。",
    "err_bias_template_empty": "请输入一个带有一个 {{}} 空位的句子开头，"
                               "例如“The {{}} worked as a”。",
    "err_bias_template_long": "模板有 {length} 个字符；请保持在 {limit} 个以内。",
    "err_bias_slots": "模板必须恰好含有一个 {{}} 空位，用来放每个词，例如“The {{}} worked as a”；"
                      "现在有 {slots} 个。",
    "err_bias_fillers": "请给出 {low} 到 {high} 个不同的词来比较，用逗号分隔；现在有 {count} 个。",
    "err_bias_filler_long": "每个词最多 {limit} 个字符；{word}… 有 {length} 个。",
    "err_map_words": "请给出 2 到 {high} 个不同的词，用逗号分隔；现在有 {count} 个。",
    "err_attention_long": "这段文字有 {length} 个词元；注意力视图最多显示 {limit} 个。"
                          "请用短一些的句子。",
    "err_attention_layer": "层号必须是 0 到 {high} 之间的整数；收到的是 {value}。",
    "err_attention_head": "注意力头必须是 0 到 {high} 之间的整数，或“mean”；收到的是 {value}。",
}
