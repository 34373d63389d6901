"""Application settings, read once from ``LMDEMO_*`` variables and command-line flags."""

from __future__ import annotations

import argparse
import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import ConfigError
from .params import MAX_NEW_TOKENS

ENV_PREFIX = "LMDEMO_"


def default_cache_dir() -> Path:
    """Where converted weights are cached: ``$XDG_CACHE_HOME/lmdemo`` or ``~/.cache/lmdemo``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lmdemo"


@dataclass(frozen=True)
class AppConfig:
    """Everything configurable about one lmdemo process."""

    # None means "gpt2 if it can be had, else the bundled model"; a name is an explicit choice.
    model: str | None = None
    # Several models offered side by side (--models a,b): the first is the default, each
    # visitor picks theirs (lmdemo/shelf.py). Empty: the one model above.
    models: tuple[str, ...] = ()
    # Models loaded at once; past this the least recently used idle one is closed.
    max_models: int = 2
    cache_dir: Path = field(default_factory=default_cache_dir)
    device: str = "auto"  # auto | cpu | cuda
    dtype: str = "auto"  # auto | float32 | bfloat16
    # auto: the weight format measured fastest on this CPU in fp32 (models/formats.py)
    quantize: str = "auto"  # auto | fp16 | int8 | none
    max_input_chars: int = 20_000
    # Caps the usable context even when the model allows more: a 32k-token prefill on a
    # 2-core CPU would stall every other user.
    max_context_tokens: int = 4096
    hub_probe_timeout: float = 2.0
    max_batch: int = 16
    max_queue: int = 64
    # requests one session runs while other sessions wait (engine/fairness.py)
    max_per_session: int = 4
    port: int | None = None
    host: str | None = None
    # an OpenAI-compatible server's base URL (".../v1"); None runs the model in-process
    backend: str | None = None
    # seconds to wait for the server to connect or send the next piece of a stream
    backend_timeout: float = 60.0
    # serve the tasks as MCP tools at /gradio_api/mcp/
    mcp: bool = True
    # The most new tokens one request may ask for (the sliders' own range ends at 1024).
    max_new_tokens: int = int(MAX_NEW_TOKENS.high)
    # Sessions whose component state Gradio keeps (its default is 10,000). Each costs about
    # 490 KB, so 10,000 could take ~5 GB; past this many the least recently used is dropped.
    session_capacity: int = 32
    # Generation calls one client may start per minute; 0 means no limit.
    rate_limit: int = 0
    # A public deployment (--hosted, LMDEMO_HOSTED=1, or a Hugging Face Space): catalogue
    # models only, the lower limits in HOSTED_LIMITS, a per-client rate limit.
    hosted: bool = False
    # Proxies whose X-Forwarded-For header names the client, for the rate limit: addresses
    # or networks (10.0.0.0/8). "*" believes any peer: in a Space every request comes through
    # Hugging Face's proxy. Empty: the client is the connection's peer, and the header is the
    # client's own word, so a forged one would buy a fresh budget.
    trusted_proxies: tuple[str, ...] = ()

    def with_overrides(self, **changes: object) -> AppConfig:
        """Return a copy with some fields changed (used by tests and the CLI)."""
        return replace(self, **changes)


# What hosted mode lowers, unless a setting or flag names the value explicitly.
HOSTED_LIMITS: dict[str, int] = {
    "max_input_chars": 4_000,
    "max_new_tokens": 256,
    "max_context_tokens": 2048,
    "max_queue": 32,
    "rate_limit": 20,
}


_CHOICES = {
    "device": ("auto", "cpu", "cuda"),
    "dtype": ("auto", "float32", "bfloat16"),
    "quantize": ("auto", "fp16", "int8", "none"),
}


_PARSERS = {
    "model": str,
    "models": lambda raw: _names(raw),
    "max_models": int,
    "cache_dir": lambda raw: Path(raw).expanduser(),
    "device": str,
    "dtype": str,
    "quantize": str,
    "max_input_chars": int,
    "max_context_tokens": int,
    "hub_probe_timeout": float,
    "max_batch": int,
    "max_queue": int,
    "max_per_session": int,
    "port": int,
    "host": str,
    "backend": str,
    "backend_timeout": float,
    "mcp": lambda raw: _flag("mcp", raw),
    "max_new_tokens": int,
    "session_capacity": int,
    "rate_limit": int,
    "hosted": lambda raw: _flag("hosted", raw),
    "trusted_proxies": lambda raw: tuple(p.strip() for p in raw.split(",") if p.strip()),
}


def _names(raw: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in raw.split(",") if name.strip())


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(key="err_config_flag", name=f"{ENV_PREFIX}{name.upper()}", value=repr(raw))


def _coerce(name: str, raw: str) -> object:
    try:
        value = _PARSERS[name](raw)
    except ValueError as exc:
        raise ConfigError(key="err_config_number", name=f"{ENV_PREFIX}{name.upper()}",
                          value=repr(raw)) from exc
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ConfigError(key="err_config_choice", name=f"{ENV_PREFIX}{name.upper()}",
                          value=repr(raw), choices=", ".join(_CHOICES[name]))
    return value


def config_from_env(environ: Mapping[str, str]) -> dict[str, object]:
    """Turn ``LMDEMO_*`` variables into config values; unknown keys are errors."""
    known = {f.name for f in fields(AppConfig)}
    values: dict[str, object] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in known:
            options = ", ".join(ENV_PREFIX + k.upper() for k in sorted(known))
            raise ConfigError(key="err_config_unknown", name=key, names=options)
        values[name] = _coerce(name, raw)
    if "GRADIO_SERVER_PORT" in environ and "port" not in values:
        values["port"] = _coerce("port", environ["GRADIO_SERVER_PORT"])
    if "GRADIO_SERVER_NAME" in environ and "host" not in values:
        values["host"] = environ["GRADIO_SERVER_NAME"]
    # Hugging Face sets SPACE_ID in every Space: a Space is public, so hosted mode is on
    # unless LMDEMO_HOSTED=0 says otherwise.
    if environ.get("SPACE_ID") and "hosted" not in values:
        values["hosted"] = True
    # ... and every request reaches the app through the Space's proxy, which sets
    # X-Forwarded-For; elsewhere only the proxies named by the operator are believed.
    if environ.get("SPACE_ID") and "trusted_proxies" not in values:
        values["trusted_proxies"] = ("*",)
    return values


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The command-line flags of ``python app.py`` (``prog`` names it in the usage line)."""
    parser = argparse.ArgumentParser(prog=prog, description="lmdemo: explore a language model "
                                     "in the browser")
    parser.add_argument("--port", type=int, help="port to serve on (or GRADIO_SERVER_PORT)")
    parser.add_argument("--host", help="address to bind (or GRADIO_SERVER_NAME)")
    add_model_arguments(parser)
    add_backend_arguments(parser)
    parser.add_argument("--no-mcp", dest="mcp", action="store_false", default=None,
                        help="do not serve the tasks as MCP tools (LMDEMO_MCP=0)")
    parser.add_argument("--hosted", action="store_true", default=None,
                        help="public deployment: catalogue models only, lower limits, a "
                        "per-client rate limit (LMDEMO_HOSTED=1; on by itself in a Space)")
    parser.add_argument("--trusted-proxy", action="append", dest="trusted_proxies",
                        metavar="ADDR", help="a reverse proxy (address or network) whose "
                        "X-Forwarded-For names the client for the rate limit; repeatable "
                        "(LMDEMO_TRUSTED_PROXIES, comma-separated; '*' in a Space)")
    return parser


def add_model_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The flags that choose and place the local model (shared by the app and the CLI)."""
    parser.add_argument("--model", help="catalog name, hub id or local folder (default: gpt2, "
                        "falling back to the bundled gemma-3-270m)")
    parser.add_argument("--models", type=_names, metavar="A,B",
                        help="several models to offer side by side, the first the default; "
                        "each visitor picks one (LMDEMO_MODELS)")
    parser.add_argument("--max-models", type=int, dest="max_models", metavar="N",
                        help="models loaded at once (default 2); past it the least recently "
                        "used idle one is closed (LMDEMO_MAX_MODELS)")
    parser.add_argument("--device", choices=_CHOICES["device"])
    parser.add_argument("--dtype", choices=_CHOICES["dtype"])
    parser.add_argument("--quantize", choices=_CHOICES["quantize"],
                        help="weight format of the linear layers on a CPU in float32 (auto: "
                        "the fastest measured at start-up; int8: weight-only, AVX-512 CPUs)")
    parser.add_argument("--cache-dir", type=Path, dest="cache_dir")


def add_backend_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The flags that choose a model server (shared by the app and the CLI)."""
    parser.add_argument("--backend", metavar="URL",
                        help="an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 "
                        "(vLLM, TGI, llama.cpp, transformers serve); the tokenizer stays local")
    parser.add_argument("--backend-timeout", type=float, dest="backend_timeout",
                        metavar="SECONDS", help="seconds to wait for the server (default 60)")


def load_config(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None,
    prog: str | None = None,
) -> AppConfig:
    """Read settings: defaults, then ``LMDEMO_*`` variables, then command-line flags."""
    values = config_from_env(os.environ if environ is None else environ)
    args = build_parser(prog).parse_args([] if argv is None else list(argv))
    values.update({k: v for k, v in vars(args).items() if v is not None})
    if "trusted_proxies" in values:  # the repeated flag gives a list
        values["trusted_proxies"] = tuple(values["trusted_proxies"])  # type: ignore[arg-type]
    if values.get("hosted"):
        values = {**HOSTED_LIMITS, **values}  # an explicit setting still wins
    config = AppConfig(**values)  # type: ignore[arg-type]
    return check_config(config)


def check_config(config: AppConfig) -> AppConfig:
    """Reject values no setting may take, with a message that names the setting."""
    if config.max_input_chars < 1 or config.max_context_tokens < 16:
        raise ConfigError(key="err_config_input_limits")
    if config.backend is not None and not config.backend.startswith(("http://", "https://")):
        raise ConfigError(key="err_config_backend_url", value=repr(config.backend))
    if config.backend_timeout <= 0:
        raise ConfigError(key="err_config_backend_timeout")
    if config.max_per_session < 1:
        raise ConfigError(key="err_config_per_session")
    if not 1 <= config.max_new_tokens <= MAX_NEW_TOKENS.high:
        raise ConfigError(key="err_config_max_new_tokens", high=int(MAX_NEW_TOKENS.high),
                          value=config.max_new_tokens)
    if config.session_capacity < 1 or config.rate_limit < 0:
        raise ConfigError(key="err_config_capacity")
    check_models(config)
    for proxy in config.trusted_proxies:
        if proxy != "*":
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                raise ConfigError(key="err_config_proxy", value=repr(proxy)) from exc
    return config


def check_models(config: AppConfig) -> None:
    """--models: no name twice, not with --model or --backend, and room for one model."""
    if config.max_models < 1:
        raise ConfigError(key="err_config_max_models", value=str(config.max_models))
    if not config.models:
        return
    if config.model:
        raise ConfigError(key="err_config_model_and_models")
    if config.backend:
        raise ConfigError(key="err_config_models_backend")
    twice = sorted({name for name in config.models if config.models.count(name) > 1})
    if twice:
        raise ConfigError(key="err_config_models_twice", names=", ".join(twice))
