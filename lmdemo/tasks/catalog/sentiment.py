"""Sentiment without generation: compare the probabilities of label words after a prompt.

The model reads a few labelled examples, then the text, then "Sentiment:". We look at the
next-token probabilities of " positive" and " negative" only. Small models favour one label
whatever the text, so we calibrate (Zhao et al., 2021): the same prompt with content-free
inputs ("N/A", "", "[MASK]") measures that bias, and we divide it out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...params import SamplingParams
from ..chat import RAW, wrap
from ..contract import FLAG, Field, Notice, Prepared, Task, join_notices
from ..prompts import render

if TYPE_CHECKING:
    import torch

    from ...runtime import Runtime

LABELS = ("positive", "negative")
CONTENT_FREE = ("N/A", "", "[MASK]")

# Four balanced examples, written for lmdemo in SST's lower-cased, tokenised style (" , ",
# "n't"); none is taken from an evaluation set. Tuned with `python -m lmdemo eval sst2` on the
# first 200 SST-2 dev rows: 2 examples 79.5%, these 4 89.0%, 6 or 8 examples no better.
EXAMPLES = (
    ("a sweet , clever and beautifully acted film .", "positive"),
    ("dull , clumsy and far too long .", "negative"),
    ("the actors seem to be having fun , and so are we .", "positive"),
    ("a tired retread that never finds its own voice .", "negative"),
)
# Calibrations kept, most recently used first: each is two floats, but the key is a
# visitor's template of up to max_input_chars, so an unbounded cache grows with every edit.
CALIBRATIONS_KEPT = 32
TEMPLATE = "".join(f"Review: {text}\nSentiment: {label}\n\n" for text, label in EXAMPLES) + (
    "Review: {text}\nSentiment:")


@dataclass(frozen=True)
class SentimentResult:
    """Label probabilities before and after calibration, and the prompt sent."""

    prompt: str
    raw: dict[str, float]
    calibrated: dict[str, float]

    @property
    def label(self) -> str:
        """The winning label after calibration."""
        return max(self.calibrated, key=self.calibrated.__getitem__)


class SentimentScorer:
    """Scores label words on one runtime's backend; caches recent templates' calibrations."""

    def __init__(self, runtime: Runtime, kept: int = CALIBRATIONS_KEPT, chat: str = RAW):
        self.runtime = runtime
        self.kept = kept
        self.chat = chat  # how the prompts meet a chat template (tasks.chat), theirs too
        self._calibration: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._lock = threading.Lock()

    def label_probs(self, prompt: str, ids: list[int] | None = None) -> torch.Tensor:
        """Probabilities of the label words, renormalised over the labels only, ``(L,)``."""
        import torch  # loaded when a task runs, not when the CLI lists tasks

        self.runtime.require_logprobs("sentiment score")
        ids = self.runtime.encode(prompt) if ids is None else ids
        logprobs = self.runtime.backend.label_logprobs(ids, prompt, LABELS)
        return torch.softmax(torch.tensor(logprobs, dtype=torch.float32), dim=-1)

    def calibration(self, template: str) -> torch.Tensor:
        """Mean label probabilities for content-free inputs under ``template``."""
        import torch

        with self._lock:
            if template in self._calibration:
                self._calibration.move_to_end(template)
                return self._calibration[template]
            # wrapped as the text's own prompt is, on a chat model
            probs = [self.label_probs(wrap(self.chat, self.runtime.tokenizer,
                                           render(template, ("text",), text=cf)))
                     for cf in CONTENT_FREE]
            self._calibration[template] = torch.stack(probs).mean(dim=0)
            while len(self._calibration) > self.kept:
                self._calibration.popitem(last=False)  # the least recently used
            return self._calibration[template]

    def cached(self) -> tuple[str, ...]:
        """The templates whose calibration is kept, least recently used first."""
        with self._lock:
            return tuple(self._calibration)

    def score(self, prepared: Prepared, template: str, calibrate: bool = True
              ) -> SentimentResult:
        """Classify the text in a prepared prompt made from ``template``."""
        raw = self.label_probs(prepared.prompt, prepared.ids)
        adjusted = raw
        if calibrate:
            adjusted = raw / self.calibration(template)
            adjusted = adjusted / adjusted.sum()
        as_dict = lambda t: {lab: float(p) for lab, p in zip(LABELS, t, strict=True)}  # noqa: E731
        return SentimentResult(prepared.prompt, as_dict(raw), as_dict(adjusted))


class ScoreRun:
    """A finished scoring: the prompt, any notices, and the result with both distributions."""

    def __init__(self, prompt: str, notices: tuple[Notice, ...], result: SentimentResult,
                 calibrated: bool = True):
        self.prompt = prompt
        self.notices = notices
        self.result = result
        self.calibrated = calibrated  # False: ``result.calibrated`` is the raw distribution

    @property
    def notice(self) -> str:
        """The notices in English, as one line (the CLI prints it)."""
        return join_notices(self.notices)

    def stream(self) -> Iterator[dict[str, float]]:
        """The answer at once: there is nothing to stream."""
        yield self.answer()

    def answer(self) -> dict[str, float]:
        """Label probabilities after calibration (or raw, with calibration off)."""
        return self.result.calibrated


@dataclass
class SentimentTask(Task):
    """A task answered by scoring label words rather than by generating text."""

    def forward(self, runtime: Runtime, prepared: Prepared, params: SamplingParams) -> ScoreRun:
        """One next-token pass (plus the calibration, once per template)."""
        scorer = runtime.memo(f"sentiment-scorer-{self.chat}",
                              lambda: SentimentScorer(runtime, chat=self.chat))
        calibrate = bool(prepared.options["calibrate"])
        result = scorer.score(prepared, prepared.template, calibrate)
        return ScoreRun(prepared.prompt, prepared.notices, result, calibrate)


TASK = SentimentTask(
    name="sentiment",
    doc="Rate a text as positive or negative from the probabilities of the two label words.",
    title="tab_sentiment",
    help="help_sentiment",
    output="sentiment_label",
    fields=(Field("text", "text", "The text to rate.", lines=4),
            Field("calibrate", "calibrate", "Divide out the model's bias towards one label.",
                  kind=FLAG, default=True)),
    template=TEMPLATE,
    required=("text",),
    trim_slot="text",
    examples=(("A warm, funny and beautifully acted film.",),
              ("The plot is a mess and the jokes fall flat.",),
              ("It was not as bad as I expected.",)),
    examples_zh=(("这部电影非常好看，演员的表演很精彩。",), ("服务太差了，我再也不会来了。",)),
    order=50,
    # Continued as text, on an instruct model too: SmolLM2-135M-Instruct scored 0.766 on the
    # 872 SST-2 dev rows as text, 0.701 in a user turn with the label words as the assistant's
    # first token (0.678 with them unspaced; docs/models.md, "Chat templates").
    chat=RAW,
    streams=False,
)
