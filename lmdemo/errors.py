"""One exception tree for everything lmdemo reports to a person.

LMDemoError
├── ConfigError          bad setting (env var, CLI flag)
├── InputError           bad user input: empty text, too long, missing field
│   └── ParamError       a decoding control out of its valid range
├── ModelError
│   ├── UnknownModelError    a name that is neither in the catalog, a folder nor a hub id
│   ├── ModelLoadError       the model exists but could not be loaded
│   └── ModelLoadingError    the model is still loading (a first start converts it)
├── BusyError            the server is at capacity; try again shortly
├── BackendError         the model server is down, timed out or answered badly
├── UnavailableError     this backend or model cannot do what was asked (no logprobs...)
└── ClassError           a class code that is unknown or over, or a wrong teacher's key

Messages are written for the person who reads them: they name the problem and say
what to do next. The UI turns these into ``gr.Error``; anything else is a bug.

An error is raised with a ``key`` and ``fields``, never with words of its own: its English
text (the log, the CLI, the API) is ``lmdemo/locales/en.json``'s entry filled from the fields,
and the UI words the same key in the visitor's language from ``zh-CN.json``. So a message is
written once per language, and a translator touches no Python (tests/test_errors.py checks
that no module passes a message). A field named ``<name>_key`` holds a string-table key that
is worded into ``<name>`` (the field "article" becomes 文章); where ``<name>`` itself is not
given, the English table words it too.
"""

from __future__ import annotations

import re


class LMDemoError(Exception):
    """Base of every error lmdemo shows to a user."""

    default_key: str | None = None  # the table key of a class that needs no fields

    def __init__(self, message: str = "", *, key: str | None = None, **fields: object):
        key = key or self.default_key
        if not message and key:  # raised by key: the English text is en.json's, filled in
            from .locales import english

            message = english(key, **fields)
        super().__init__(message)
        self.key = key
        self.fields = fields


class ConfigError(LMDemoError):
    """A setting from the environment or the command line is invalid."""


class InputError(LMDemoError):
    """User input cannot be processed as given."""


class ParamError(InputError):
    """A decoding parameter is outside its valid range."""

    def __init__(self, field: str, message: str = "", *, key: str | None = None,
                 **fields: object):
        super().__init__(message, key=key, **fields)
        self.field = field


class ModelError(LMDemoError):
    """Base for model resolution and loading problems."""


class UnknownModelError(ModelError):
    """The requested model name is not known and not a loadable id or folder."""


class ModelLoadError(ModelError):
    """A model was found but could not be loaded."""


class ModelLoadingError(ModelError):
    """The server is up but its model is still loading; the message names the step."""

    default_key = "err_model_loading"


class BusyError(LMDemoError):
    """The engine's queue is full."""

    default_key = "err_busy"


class BackendError(LMDemoError):
    """The OpenAI-compatible server could not be reached or gave an answer we cannot use."""

    default_key = "err_backend"


class UnavailableError(LMDemoError):
    """A feature needs something the live backend does not offer (logprobs, local weights)."""

    default_key = "err_unavailable"

    def __init__(self, feature: str, message: str = "", *, key: str | None = None,
                 **fields: object):
        # the feature's name is a field of every message, worded by the table ("feature_*")
        named = {"feature": feature, "feature_key": "feature_" + re.sub(r"\W+", "_", feature)}
        super().__init__(message, key=key, **named, **fields)
        self.feature = feature


class ClassError(LMDemoError):
    """A class to follow (lmdemo/classroom.py) is unknown or over, or its key is wrong."""
