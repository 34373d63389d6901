"""Free generation: the model continues the prompt."""

from __future__ import annotations

from ..chat import RAW
from ..contract import Field, Task

TASK = Task(
    name="generate",
    doc="Continue a text with the language model, one token at a time.",
    title="tab_generate",
    help="help_generate",
    output="output",
    fields=(Field("prompt", "prompt", "The text the model continues.", slot="text", lines=4),),
    template="{text}",
    required=("text",),
    defaults={"temperature": 0.8, "top_k": 50, "top_p": 0.95, "max_new_tokens": 80,
              "repetition_penalty": 1.1},
    examples=(
        ("In a shocking finding, scientists discovered a herd of unicorns living in a remote "
         "valley",),
        ("The best way to learn a new language is",),
        ("def fibonacci(n):",),
    ),
    examples_zh=(("从前，在一个海边的小村庄里，",),),
    order=10,
    chat=RAW,  # free generation continues the text, on an instruct model too
)
