"""Translation from English: few-shot `english = target` pairs, as in the GPT-2 paper."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..chat import RAW
from ..contract import CHOICE, Field, Task
from ..postprocess import first_line

# Few-shot pairs, "english = target", one per line, as in the GPT-2 paper; the model
# continues the last line after "=".
TRANSLATION_EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "French": (("Good morning.", "Bonjour."), ("Where is the station?", "Où est la gare ?"),
               ("I like reading books.", "J'aime lire des livres.")),
    "German": (("Good morning.", "Guten Morgen."), ("Where is the station?", "Wo ist der Bahnhof?"),
               ("I like reading books.", "Ich lese gern Bücher.")),
    "Spanish": (("Good morning.", "Buenos días."), ("Where is the station?",
                "¿Dónde está la estación?"), ("I like reading books.", "Me gusta leer libros.")),
    "Chinese": (("Good morning.", "早上好。"), ("Where is the station?", "车站在哪里？"),
                ("I like reading books.", "我喜欢读书。")),
    "Italian": (("Good morning.", "Buongiorno."), ("Where is the station?",
                "Dov'è la stazione?"), ("I like reading books.", "Mi piace leggere libri.")),
    "Portuguese": (("Good morning.", "Bom dia."), ("Where is the station?",
                   "Onde fica a estação?"), ("I like reading books.", "Eu gosto de ler livros.")),
    "Japanese": (("Good morning.", "おはようございます。"), ("Where is the station?",
                 "駅はどこですか？"), ("I like reading books.", "私は本を読むのが好きです。")),
}
LANGUAGES = tuple(TRANSLATION_EXAMPLES)



def translation_examples(language: str) -> str:
    """The few-shot block for one target language."""
    return "\n".join(f"{en} = {tgt}" for en, tgt in TRANSLATION_EXAMPLES[language])


@dataclass
class TranslateTask(Task):
    """A task whose prompt also gets the example pairs of the chosen language."""

    def values(self, inputs: Mapping[str, object], max_chars: int) -> dict[str, object]:
        """The checked fields plus ``{examples}`` for the chosen language."""
        values = super().values(inputs, max_chars)
        values["examples"] = translation_examples(str(values["language"]))
        return values


TASK = TranslateTask(
    name="translate",
    doc="Translate English text into another language.",
    title="tab_translate",
    help="help_translate",
    output="translation",
    fields=(Field("text", "text_en", "The English text to translate.", what="text to translate"),
            Field("target_language", "target_language", "The language to translate into.",
                  kind=CHOICE, slot="language", choices=LANGUAGES, default="French")),
    template="English = {language}\n{examples}\n{text} =",
    required=("examples", "text"),
    trim_slot="text",  # a long text loses its end, never the example pairs before it
    defaults={"temperature": 0.0, "max_new_tokens": 60, "repetition_penalty": 1.0,
              "stop": ("\n",)},  # one line: the answer ends where the model starts a new one
    examples=(("The weather is beautiful today.", "French"),
              ("Where can I buy a train ticket?", "German"),
              ("I would like a cup of coffee, please.", "Spanish"),
              ("The library opens at nine o'clock.", "Chinese")),
    order=40,
    # The pairs continued as text, on an instruct model too: on 12 English->French sentences
    # written for the check, SmolLM2-135M-Instruct scored chrF 0.29 so, 0.14 with the whole
    # prompt as one user turn, 0.17 with each pair as a user and an assistant turn
    # (docs/evaluation.md, "Chat templates").
    chat=RAW,
    clean=first_line,
)
