"""Where core errors become messages people read: LMDemoError -> gr.Error."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable

import gradio as gr

from ..errors import LMDemoError

log = logging.getLogger(__name__)
INTERNAL = "Something went wrong inside lmdemo; the details are in the server log. Try again."


def _convert(exc: BaseException) -> gr.Error:
    if isinstance(exc, LMDemoError):
        return gr.Error(str(exc))
    log.error("Unexpected error", exc_info=exc)
    return gr.Error(INTERNAL)


def user_errors(fn: Callable) -> Callable:
    """Wrap a UI callback (plain or generator) so users see messages, never tracebacks."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:
                raise _convert(exc) from exc

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            raise _convert(exc) from exc

    return wrapper
