"""Task prompts are data: a template with named slots, rendered by one function.

A template is text with plain ``{name}`` slots and nothing else: no format spec (``{text:>9}``),
conversion (``{text!r}``), index (``{text[0]}``) or attribute (``{text.upper}``). Templates
come from visitors, so they are scanned here and filled by plain substitution, never by
``str.format``, which would evaluate those parts (a width of 100,000 allocates; an attribute
reads the object's internals). To write a brace as text, type it twice: ``{{`` gives ``{``
and ``}}`` gives ``}``. Messages about a template never show a doubled brace: they say
"type it twice" instead, so no layer of escaping can leak into them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..inputs import check_chars, shorten
from ..inputs import check_text as _check_text

# What follows a slot's name when it is more than a name: the string-table key that names it.
_EXTRAS = {":": "template_spec", "!": "template_conversion", ".": "template_attribute",
           "[": "template_index"}


@dataclass(frozen=True)
class Slot:
    """A ``{name}`` in a template."""

    name: str


def parse(template: str) -> list[str | Slot]:
    """A template as literal pieces and slots; raises InputError naming what is malformed."""
    pieces: list[str | Slot] = []
    text: list[str] = []
    i, n = 0, len(template)
    while i < n:
        ch = template[i]
        if ch in "{}" and template.startswith(ch * 2, i):  # a doubled brace is a literal one
            text.append(ch)
            i += 2
        elif ch == "}":
            raise InputError(key="err_template_stray_close", position=i + 1)
        elif ch == "{":
            end = _closing(template, i)
            pieces += ["".join(text)] if text else []
            text = []
            pieces.append(Slot(_slot_name(template[i + 1 : end], template[i : end + 1])))
            i = end + 1
        else:
            j = min((k for k in (template.find("{", i), template.find("}", i)) if k >= 0),
                    default=n)
            text.append(template[i:j])
            i = j
    if text:
        pieces.append("".join(text))
    return pieces


def _closing(template: str, start: int) -> int:
    """Index of the ``}`` that closes the slot opened at ``start`` (nested braces counted,
    so ``{a:{b}}`` is one slot to refuse, not two)."""
    depth = 0
    for j in range(start, len(template)):
        if template[j] == "{":
            depth += 1
        elif template[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise InputError(key="err_template_unclosed", position=start + 1)


def _slot_name(inside: str, typed: str) -> str:
    """The name of the slot ``typed`` (``inside`` is between its braces), or InputError."""
    cut = min((k for k in (inside.find(c) for c in _EXTRAS) if k >= 0), default=-1)
    if cut >= 0 and inside[:cut].isidentifier():
        name, extra_key = inside[:cut], _EXTRAS[inside[cut]]
        shown = shorten(typed)
        raise InputError(key="err_template_slot_extra", slot=name, shown=shown,
                         extra_key=extra_key)
    if not inside.isidentifier():
        shown = shorten(typed)
        raise InputError(key="err_template_slot_name", shown=shown)
    return inside


def placeholders(template: str) -> set[str]:
    """Names of the ``{slots}`` in a template (``{{`` and ``}}`` are literal braces)."""
    return {p.name for p in parse(template) if isinstance(p, Slot)}


def check_template(template: object, max_chars: int) -> str:
    """A visitor's template: text within the input cap, of valid Unicode, that parses."""
    template = check_chars(template, "prompt template", max_chars, "what_template")
    parse(template)
    return template


def render(template: str, required: tuple[str, ...], **values: str) -> str:
    """Fill ``template``; every required slot must appear and no unknown slot may."""
    pieces = parse(template)
    names = {p.name for p in pieces if isinstance(p, Slot)}
    unknown = sorted(n for n in names if n not in values)
    if unknown:
        allowed = ", ".join("{" + k + "}" for k in values)
        raise InputError(key="err_template_unknown_slot", slot=unknown[0], allowed=allowed)
    missing = [n for n in required if n not in names]
    if missing:
        raise InputError(key="err_template_missing_slot", slot=missing[0])
    return "".join(values[p.name] if isinstance(p, Slot) else p for p in pieces)


def check_text(value: object, label: str, max_chars: int, label_key: str | None = None) -> str:
    """Validate one text input: text, not blank, valid Unicode, within the size limit.

    ``label`` names the field in English; ``label_key`` is its UI string, for other languages.
    """
    return _check_text(value, label, max_chars, label_key)
