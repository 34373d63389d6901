"""One exception tree for everything lmdemo reports to a person.

LMDemoError
├── ConfigError          bad setting (env var, CLI flag)
├── InputError           bad user input: empty text, too long, missing field
│   └── ParamError       a decoding control out of its valid range
├── ModelError
│   ├── UnknownModelError    a name that is neither in the catalog, a folder nor a hub id
│   └── ModelLoadError       the model exists but could not be loaded
├── BusyError            the server is at capacity; try again shortly
├── BackendError         the model server is down, timed out or answered badly
└── UnavailableError     this backend or model cannot do what was asked (no logprobs...)

Messages are written for the person who reads them: they name the problem and say
what to do next. The UI turns these into ``gr.Error``; anything else is a bug.
"""

from __future__ import annotations


class LMDemoError(Exception):
    """Base of every error lmdemo shows to a user."""


class ConfigError(LMDemoError):
    """A setting from the environment or the command line is invalid."""


class InputError(LMDemoError):
    """User input cannot be processed as given."""


class ParamError(InputError):
    """A decoding parameter is outside its valid range."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class ModelError(LMDemoError):
    """Base for model resolution and loading problems."""


class UnknownModelError(ModelError):
    """The requested model name is not known and not a loadable id or folder."""


class ModelLoadError(ModelError):
    """A model was found but could not be loaded."""


class BusyError(LMDemoError):
    """The engine's queue is full."""


class BackendError(LMDemoError):
    """The OpenAI-compatible server could not be reached or gave an answer we cannot use."""


class UnavailableError(LMDemoError):
    """A feature needs something the live backend does not offer (logprobs, local weights)."""

    def __init__(self, feature: str, message: str):
        super().__init__(message)
        self.feature = feature
