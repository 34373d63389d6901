"""Key-information extraction: worked examples, then the text; the model lists its entities.

The model writes ``type: text`` lines, a ``Keywords:`` line and a ``Summary:`` line (easier for
a 270M base model than JSON); ``lmdemo.tasks.extraction`` parses them, drops whatever does
not occur in the text, and (unless ``patterns`` is off) adds the dates and numbers a regular
expression finds. The answer is plain JSON: ``{"entities": [{"text", "type"}], "keywords",
"summary_line"}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ...notices import Notice, join_notices
from ...params import SamplingParams
from ..chat import RAW
from ..contract import FLAG, Field, Prepared, Task
from ..extraction import Entity, Extraction, ground, parse_lines

if TYPE_CHECKING:
    from ...engine import Request
    from ...runtime import Runtime
    from ..candidates import Scored

log = logging.getLogger(__name__)

# Given the text and the entity texts found so far, the candidates and their type scores.
Typer = Callable[[str, list[str]], "list[Scored]"]

# Three worked examples written for lmdemo (none comes from lmdemo/eval/data/extract.jsonl; a test
# checks). Each type appears at least once, so the model sees every label it may use.
EXAMPLES = (
    ("Workers at the Penrose paper mill will strike for 48 hours from Thursday after talks "
     "with Harland Paper broke down. Union official Carla Mendes said the company offered a "
     "pay rise of 2 per cent.",
     (("organisation", "Harland Paper"), ("person", "Carla Mendes"), ("place", "Penrose"),
      ("date", "Thursday"), ("number", "48 hours"), ("number", "2 per cent")),
     "strike, pay rise, talks",
     "Workers at a paper mill will strike after pay talks broke down."),
    ("The novelist Ada Brennan was born in Cork in 1931. Her first book, The Salt Road, sold "
     "40,000 copies in its first year and was later filmed by Northlight Studios.",
     (("person", "Ada Brennan"), ("place", "Cork"), ("date", "1931"), ("title", "The Salt Road"),
      ("number", "40,000"), ("organisation", "Northlight Studios")),
     "novelist, first book, copies",
     "Ada Brennan's first novel sold 40,000 copies and was filmed."),
    ("Velo Motors will sell its new electric scooter, the Velo Glide, in Spain and Italy from "
     "March 2025. Chief executive Tomas Ruiz said it weighs 14 kg and costs 899 euros.",
     (("organisation", "Velo Motors"), ("title", "Velo Glide"), ("place", "Spain"),
      ("place", "Italy"), ("date", "March 2025"), ("person", "Tomas Ruiz"), ("number", "14 kg"),
      ("number", "899 euros")),
     "electric scooter, weighs, costs",
     "Velo Motors will sell its Velo Glide scooter in Spain and Italy."),
)


def _example(text: str, entities: tuple[tuple[str, str], ...], keywords: str,
             summary: str) -> str:
    lines = "".join(f"{kind}: {name}\n" for kind, name in entities)
    return f"Text: {text}\n{lines}Keywords: {keywords}\nSummary: {summary}\n\n"


TEMPLATE = "".join(_example(*row) for row in EXAMPLES) + "Text: {text}\n"

TEXT_EN = ("Marie Curie was born in Warsaw in 1867 and moved to Paris in 1891. She shared the "
           "1903 Nobel Prize in Physics with Pierre Curie and Henri Becquerel, and in 1911 won a "
           "second Nobel Prize, in chemistry. Her book Radioactivity was published in 1935.")
TEXT_ZH = "2023年5月，李华在北京参加了清华大学的毕业典礼，有3000名学生参加。"


@dataclass
class ExtractRun:
    """A started extraction: the prompt sent, notices, and the grounded JSON once done."""

    prompt: str
    notices: tuple[Notice, ...]
    request: Request
    source: str
    patterns: bool
    typer: Typer | None = None  # None: the model's own list only (no local weights, or off)
    scored: list[Scored] = field(default_factory=list)  # the candidates, once typed
    _result: Extraction | None = None

    @property
    def notice(self) -> str:
        """The notices in English, as one line (the CLI prints it)."""
        return join_notices(self.notices)

    def postprocess(self, raw: object) -> str:
        """The answer as JSON text, from the model's raw lines."""
        return as_text(self.finish(str(raw)))

    def finish(self, raw: str) -> Extraction:
        """Ground the model's lines, then add the candidates the model types as names."""
        extraction = ground(self.source, parse_lines(raw), raw, self.patterns)
        if self.typer is None:
            return extraction
        from ..candidates import typed  # torch: loaded when a task runs, not for ``--help``

        self.scored = self.typer(self.source, [e.text for e in extraction.entities])
        return with_candidates(extraction, typed(self.scored))

    @property
    def result(self) -> Extraction:
        """The grounded extraction (waits for the model the first time)."""
        if self._result is None:
            self._result = self.finish(self.request.result().text)
        return self._result

    def stream(self) -> Iterator[str]:
        """One value, the JSON text: a half-written list would be regrounded at every token."""
        yield as_text(self.result)

    def answer(self) -> dict[str, object]:
        """The API's answer: ``{"entities": [...], "keywords": [...], "summary_line": ...}``."""
        return self.result.to_json()


def as_text(extraction: Extraction) -> str:
    """The JSON answer as indented text (the tab, the API endpoint and the CLI show this)."""
    return json.dumps(extraction.to_json(), ensure_ascii=False, indent=1)


def with_candidates(extraction: Extraction, entities: list[Entity]) -> Extraction:
    """``extraction`` with the typed candidates added (each text once)."""
    seen = {e.text.lower() for e in extraction.entities}
    added = [e for e in entities if e.text.lower() not in seen]
    return replace(extraction, entities=extraction.entities + tuple(added),
                   from_candidates=tuple(e.text for e in added))


@dataclass
class ExtractTask(Task):
    """A generative task whose answer is grounded in its source text."""

    def preprocess(self, runtime: Runtime, inputs: Mapping[str, object],
                   max_new_tokens: int, template: str | None = None) -> Prepared:
        """As every task, and remember the whole source: grounding checks against it."""
        prepared = super().preprocess(runtime, inputs, max_new_tokens, template)
        source = self.values(inputs, runtime.config.max_input_chars)["text"]
        return replace(prepared, options={**prepared.options, "source": source})

    def forward(self, runtime: Runtime, prepared: Prepared, params: SamplingParams
                ) -> ExtractRun:
        """Generate the lines; parsing, grounding and typing candidates happen when the answer
        is read. A server without local weights gives the model's own list (with a notice)."""
        request = runtime.backend.submit(prepared.ids, prepared.prompt, params)
        notices = prepared.notices + request.notices
        typer: Typer | None = None
        if prepared.options.get("candidates", True):
            if runtime.remote:
                log.info("extract: %s scores no candidates; the model's list only",
                         runtime.describe())
                notices += (Notice("This server returns no scores, so names the model left "
                                   "out were not proposed from the text; the list is the "
                                   "model's alone.", "notice_extract_no_candidates"),)
            else:
                from ..candidates import type_candidates  # torch, as in finish()

                def typer(source: str, taken: list[str]) -> list[Scored]:
                    return type_candidates(runtime, source, taken)
        return ExtractRun(prepared.prompt, notices, request, str(prepared.options["source"]),
                          bool(prepared.options["patterns"]), typer)


TASK = ExtractTask(
    name="extract",
    doc="Extract key information from a text: people, organisations, places, dates, numbers "
        "and titles of works or products, each found verbatim in the text, plus keywords and "
        "a one-line summary, as JSON.",
    title="tab_extract",
    help="help_extract",
    output="extract_json",
    fields=(Field("text", "text", "The text to extract key information from.", slot="text",
                  lines=8),
            Field("patterns", "extract_patterns", "Also add the dates and numbers that a "
                  "regular expression finds in the text.", kind=FLAG, default=True),
            Field("candidates", "extract_candidates", "Also propose the text's capitalised "
                  "names and quoted titles, and keep those the model types as a person, "
                  "organisation, place or title (needs local weights).", kind=FLAG,
                  default=True)),
    template=TEMPLATE,
    required=("text",),
    trim_slot="text",
    # Stop at the blank line that ends an example, or where the model starts a new one.
    defaults={"temperature": 0.0, "max_new_tokens": 96, "repetition_penalty": 1.0,
              "stop": ("\n\n", "\nText:")},
    examples=((TEXT_EN,),),
    examples_zh=((TEXT_ZH,),),
    order=35,
    # Continued as text, on an instruct model too: in a user turn SmolLM2-135M-Instruct found
    # fewer entities (test recall 0.731 against 0.846, precision 0.752 against 0.793; docs/
    # models.md, "Chat templates").
    chat=RAW,
)
