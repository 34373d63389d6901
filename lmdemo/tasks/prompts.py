"""Task prompts are data: a template with named slots, rendered by one function."""

from __future__ import annotations

import string

from ..errors import InputError


def placeholders(template: str) -> set[str]:
    """Names of the ``{slots}`` in a template (``{{`` and ``}}`` are literal braces)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise InputError(f"The prompt template is malformed ({exc}). Use {{name}} for a slot "
                         "and {{ or }} for a literal brace.", key="err_template_malformed",
                         detail=str(exc)) from exc


def render(template: str, required: tuple[str, ...], **values: str) -> str:
    """Fill ``template``; every required slot must appear and no unknown slot may."""
    names = placeholders(template)
    unknown = sorted(n for n in names if n not in values)
    if unknown:
        allowed = ", ".join("{" + k + "}" for k in values)
        raise InputError(f"The prompt template uses {{{unknown[0]}}}, which this task does not "
                         f"provide. Available slots: {allowed}.", key="err_template_unknown_slot",
                         slot=unknown[0], allowed=allowed)
    missing = [n for n in required if n not in names]
    if missing:
        raise InputError(f"The prompt template must contain {{{missing[0]}}}, where the "
                         f"{missing[0]} goes.", key="err_template_missing_slot", slot=missing[0])
    return template.format(**values)


def check_text(value: object, label: str, max_chars: int, label_key: str | None = None) -> str:
    """Validate one text input: present, not blank, not over the size limit.

    ``label`` names the field in English; ``label_key`` is its UI string, for other languages.
    """
    names = {"what": label, "what_key": label_key or label}
    if value is None or not isinstance(value, str) or not value.strip():
        raise InputError(f"The {label} is empty. Type or paste some text first.",
                         key="err_empty", **names)
    if len(value) > max_chars:
        raise InputError(f"The {label} is {len(value):,} characters long; the limit is "
                         f"{max_chars:,}. Shorten it and try again.", key="err_too_long",
                         length=f"{len(value):,}", limit=f"{max_chars:,}", **names)
    return value.strip()
