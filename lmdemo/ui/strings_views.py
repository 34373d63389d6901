"""UI strings of the "Look inside" views."""

from __future__ import annotations

EN: dict[str, str] = {
    "no_other_choice": "The model had no other choice here: this token had all of the "
                       "probability, so there is nothing to branch to.",
}

ZH: dict[str, str] = {
    "no_other_choice": "模型在这里别无选择：这个词元占了全部概率，所以没有别的词元可以用来分支。",
}
