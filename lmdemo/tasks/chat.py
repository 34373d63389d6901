"""How a task's prompt meets an instruct model's chat template.

An instruct model was tuned on turns (``<|im_start|>user ... <|im_end|>``) and answers best
inside them; a base model (GPT-2, the bundled Gemma) has no template and reads the prompt as
text to continue. Each task declares which it wants on a model that has a template
(``Task.chat``), and the wrapped text is the prompt: what the prompt panel shows is exactly
what is encoded and sent. A base model's prompt is never touched.
"""

from __future__ import annotations

from ..notices import Notice

RAW = "raw"  # the rendered prompt is sent as it is, on any model: a continuation
USER = "user"  # on a chat model, the rendered prompt is one user turn; the answer opens the
# assistant's turn (few-shot examples stay inside that one turn)
CHAT_MODES = (RAW, USER)


def chat_template(tokenizer: object) -> str | None:
    """The tokenizer's own chat template, or None for a base model's."""
    template = getattr(tokenizer, "chat_template", None)
    return template if isinstance(template, str) and template.strip() else None


def uses_chat(mode: str, tokenizer: object) -> bool:
    """True when a task declaring ``mode`` wraps its prompt on this tokenizer's model."""
    if mode not in CHAT_MODES:
        raise ValueError(f"Unknown chat mode {mode!r}; modes: {', '.join(CHAT_MODES)}.")
    return mode == USER and chat_template(tokenizer) is not None


def wrap(mode: str, tokenizer: object, prompt: str) -> str:
    """``prompt`` as the model receives it: in a user turn on a chat model (``USER``), as it
    is otherwise. A leading <bos> the template writes is left to the tokenizer, which adds
    its own, so it is never doubled."""
    if not uses_chat(mode, tokenizer):
        return prompt
    text = tokenizer.apply_chat_template(  # type: ignore[attr-defined]
        [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False)
    bos = getattr(tokenizer, "bos_token", None)
    if bos and text.startswith(bos) and _adds_bos(tokenizer):
        text = text[len(bos):]
    return text


def _adds_bos(tokenizer: object) -> bool:
    ids = tokenizer("a")["input_ids"]  # type: ignore[operator]
    return bool(ids) and ids[0] == getattr(tokenizer, "bos_token_id", None)


def template_notice(mode: str, tokenizer: object, model: str) -> Notice:
    """Which template a task uses on ``model``, for the prompt panel and the CLI: e.g.
    "template: chat (smollm2-135m-instruct's own)" or "template: none (base model)"."""
    if uses_chat(mode, tokenizer):
        return Notice(f"template: chat ({model}'s own)", "chat_template_chat", {"model": model})
    if chat_template(tokenizer) is not None:
        return Notice(f"template: none ({model} has one, but this task continues the text)",
                      "chat_template_raw", {"model": model})
    return Notice("template: none (base model)", "chat_template_none", {})
