"""UI strings of the "Look inside" views: branching, the attention caption, the map legend."""

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
}

ZH: dict[str, str] = {
    "no_other_choice": "模型在这里别无选择：这个词元占了全部概率，所以没有别的词元可以用来分支。",
    "attention_legend_tap": "颜色越深，得到的注意力越多。点按或点击一个格子，就能在图上方读到它："
                            "这一行的词元 → 它关注的词元 · 注意力所占的比例。词元只能关注它前面"
                            "的词元，所以右上方是空的。",
    "embedding_map_legend": "每个点是一个词，颜色都一样：只有位置有含义。模型用法相近的词会靠得"
                            "更近。",
}
