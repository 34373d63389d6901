"""UI strings of the "Look inside" views: branching, the attention caption, the bias note."""

from __future__ import annotations

EN: dict[str, str] = {
    "no_other_choice": "The model had no other choice here: this token had all of the "
                       "probability, so there is nothing to branch to.",
    "attention_legend_tap": "Darker cells get more attention. Tap or click a cell to read it "
                            "above the map: the row's token → the token it looks at · the "
                            "share of its attention. Only earlier tokens can be looked at, so "
                            "the upper right is empty.",
    "embedding_map_legend": "Every dot is one word, in one colour: only the positions carry "
                            "meaning. Words the model uses alike land close together.",
    "bias_note_live": "A language model learns which words tend to follow which from a large "
                      "amount of text written by people. The live model, {name}, {data} When "
                      "the likely next words change with a name, gender or nationality, the "
                      "model is repeating associations found in that text, not stating facts "
                      "about anyone.",
    "bias_data_webtext": "learned from WebText, pages linked from Reddit; GPT-2's own model "
                         "card warns that it reflects the biases of that text and should not "
                         "be used where such biases could harm people.",
    "bias_data_openwebtext": "learned from OpenWebText, an open copy of GPT-2's WebText "
                             "(pages linked from Reddit), so it shares GPT-2's biases.",
    "bias_data_gemma3": "learned from a large mix of web documents in many languages, code "
                        "and mathematics, according to its model card.",
    "bias_data_other": "learned from the text it was trained on.",
}

ZH: dict[str, str] = {
    "no_other_choice": "模型在这里别无选择：这个词元占了全部概率，所以没有别的词元可以用来分支。",
    "attention_legend_tap": "颜色越深，得到的注意力越多。点按或点击一个格子，就能在图上方读到它："
                            "这一行的词元 → 它关注的词元 · 注意力所占的比例。词元只能关注它前面"
                            "的词元，所以右上方是空的。",
    "embedding_map_legend": "每个点是一个词，颜色都一样：只有位置有含义。模型用法相近的词会靠得"
                            "更近。",
    "bias_note_live": "语言模型从大量人类写作的文本中学习哪些词倾向于跟在哪些词后面。当前的模型"
                      " {name} {data}当最可能的下一个词随名字、性别或国籍而变化时，模型是在重复"
                      "那些文本中的关联，而不是在陈述关于任何人的事实。",
    "bias_data_webtext": "学习的是 WebText，即 Reddit 上链接的网页；GPT-2 自己的模型卡也警告："
                         "它反映了这些文本中的偏见，不应用于这些偏见可能伤害他人的场合。",
    "bias_data_openwebtext": "学习的是 OpenWebText，它是 GPT-2 所用 WebText（Reddit 上链接的"
                             "网页）的开放复制品，因此带有与 GPT-2 相同的偏见。",
    "bias_data_gemma3": "根据它的模型卡，学习的是大量多语言网页文档、代码和数学文本的混合。",
    "bias_data_other": "学习的是它的训练文本。",
}
