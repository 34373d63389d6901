"""Decoding controls: their valid ranges (shared with the UI sliders) and one validator."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ParamError
from .inputs import check_chars


@dataclass(frozen=True)
class Range:
    """A numeric control: bounds, default and slider step."""

    low: float
    high: float
    default: float
    step: float
    label: str
    help: str = ""  # English, for the API docs and MCP tool arguments: what it does

    @property
    def span(self) -> str:
        """The range as help texts write it: "0 to 2"."""
        return f"{_fmt(self.low)} to {_fmt(self.high)}"

    def check(self, field: str, value: object, integer: bool = False) -> float:
        """Return ``value`` as a number, or raise ParamError naming the field and range."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                if isinstance(value, bool):
                    raise TypeError
                value = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError, OverflowError):
                shown = _shown(value)
                raise ParamError(field, key="err_not_number", **self._names(field),
                                 value=shown) from None
        if isinstance(value, float) and math.isnan(value) or not self.low <= value <= self.high:
            raise ParamError(field, key="err_out_of_range", **self._names(field), value=_fmt(value))
        if integer and value != int(value):
            raise ParamError(field, key="err_not_whole", **self._names(field), value=_fmt(value))
        return value

    def _names(self, field: str) -> dict[str, str]:
        """Message fields: the label's string-table key (``param_<field>``) and the range."""
        return {"label_key": f"param_{field}", "low": _fmt(self.low), "high": _fmt(self.high)}


def _fmt(x: float) -> str:
    """A number as messages show it: whole numbers in full up to 15 digits, else ~6 digits
    (1e308 reads "1e+308", not a 309-digit number)."""
    if isinstance(x, int):
        if abs(x) < 10**15:
            return str(x)
        # math.log10 takes an int of any size; str() of one over 4,300 digits raises
        return f"{'-' if x < 0 else ''}about 1e+{math.floor(math.log10(abs(x)))}"
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _shown(value: object) -> str:
    """A value that is not a number, as a message may quote it: its repr, at most 40 chars."""
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


TEMPERATURE = Range(0.0, 2.0, 0.7, 0.05, "Temperature",
                    "How random the choice of each token is; 0 always picks the likeliest.")
TOP_K = Range(0, 500, 50, 1, "Top-k",
              "Choose only among this many of the likeliest tokens; 0 turns this filter off.")
TOP_P = Range(0.01, 1.0, 0.95, 0.01, "Top-p",
              "Choose only among the likeliest tokens whose probabilities add up to this "
              "share; 1 turns this filter off.")
MAX_NEW_TOKENS = Range(1, 1024, 64, 1, "Max new tokens", "The most tokens to write.")
# CTRL-style division of the logits of tokens already present
REPETITION_PENALTY = Range(1.0, 3.0, 1.1, 0.05, "Repetition penalty",
                           "How much less likely a token already in the text becomes; 1 means "
                           "no penalty.")
SEED = Range(0, 2**31 - 1, 42, 1, "Seed",
             "The random seed: the same seed and settings write the same text.")
MAX_STOP_SEQUENCES = 8
MAX_STOP_LENGTH = 64
# the whole stop input, before it is split: room for every sequence at full length even
# typed with "\\n" escapes, plus blank lines (a pasted essay is refused before the split)
MAX_STOP_INPUT = 2048
STOP_HELP = (f"Where writing ends: up to {MAX_STOP_SEQUENCES} stop sequences of at most "
             f"{MAX_STOP_LENGTH} characters, one per line; the two characters \\n stand for a "
             "newline.")


@dataclass(frozen=True)
class SamplingParams:
    """Validated decoding settings for one request. Build with :func:`make_params`."""

    temperature: float = TEMPERATURE.default
    top_k: int = int(TOP_K.default)
    top_p: float = TOP_P.default
    max_new_tokens: int = int(MAX_NEW_TOKENS.default)
    repetition_penalty: float = REPETITION_PENALTY.default
    seed: int = int(SEED.default)
    stop: tuple[str, ...] = ()

    @property
    def greedy(self) -> bool:
        """True when decoding picks the most likely token every step."""
        return self.temperature == 0.0


def parse_stop(stop: str | Iterable[str] | None) -> tuple[str, ...]:
    """Accept stop sequences as a list or as one string with one sequence per line.

    In a single string, the two characters ``\\n`` stand for a newline so that a stop on
    "end of line" can be typed into a textbox.
    """
    if stop is None:
        return ()
    if not isinstance(stop, (str, list, tuple)):  # a number sent through the API
        raise ParamError("stop", key="err_stop_text", value=_shown(stop))
    if len(stop) > MAX_STOP_INPUT:
        raise ParamError("stop", key="err_stop_input", length=f"{len(stop):,}",
                         most=f"{MAX_STOP_INPUT:,}")
    items = stop.split("\n") if isinstance(stop, str) else list(stop)
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ParamError("stop", key="err_stop_text", value=_shown(item))
        check_chars(item, "stop sequence", MAX_STOP_INPUT, "what_stop")  # a lone surrogate
        item = item.replace("\\n", "\n")
        if item and item not in out:
            out.append(item)
    if len(out) > MAX_STOP_SEQUENCES:
        raise ParamError("stop", key="err_stop_count", most=MAX_STOP_SEQUENCES, count=len(out))
    for item in out:
        if len(item) > MAX_STOP_LENGTH:
            raise ParamError("stop", key="err_stop_length", most=MAX_STOP_LENGTH,
                             start=repr(item[:20]), length=len(item))
    return tuple(out)


def make_params(
    temperature: object = TEMPERATURE.default,
    top_k: object = TOP_K.default,
    top_p: object = TOP_P.default,
    max_new_tokens: object = MAX_NEW_TOKENS.default,
    repetition_penalty: object = REPETITION_PENALTY.default,
    seed: object = SEED.default,
    stop: str | Iterable[str] | None = None,
) -> SamplingParams:
    """Validate raw values (from the UI, the API or code) into SamplingParams."""
    return SamplingParams(
        temperature=float(TEMPERATURE.check("temperature", temperature)),
        top_k=int(TOP_K.check("top_k", top_k, integer=True)),
        top_p=float(TOP_P.check("top_p", top_p)),
        max_new_tokens=int(MAX_NEW_TOKENS.check("max_new_tokens", max_new_tokens, integer=True)),
        repetition_penalty=float(
            REPETITION_PENALTY.check("repetition_penalty", repetition_penalty)
        ),
        seed=int(SEED.check("seed", seed, integer=True)),
        stop=parse_stop(stop),
    )
