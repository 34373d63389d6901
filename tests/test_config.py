from pathlib import Path

import pytest

from lmdemo.config import HOSTED_LIMITS, AppConfig, load_config
from lmdemo.errors import ConfigError


def test_defaults_without_env_or_flags():
    config = load_config([], {})
    assert config.model is None
    assert config.max_input_chars == 20_000
    assert config.port is None


def test_env_then_flags_override():
    env = {"LMDEMO_MODEL": "distilgpt2", "LMDEMO_MAX_INPUT_CHARS": "500",
           "GRADIO_SERVER_PORT": "9000", "GRADIO_SERVER_NAME": "0.0.0.0"}
    config = load_config(["--model", "gpt2", "--port", "9100"], env)
    assert config.model == "gpt2"
    assert config.port == 9100
    assert config.host == "0.0.0.0"
    assert config.max_input_chars == 500


def test_gradio_port_is_used_without_flag():
    assert load_config([], {"GRADIO_SERVER_PORT": "7999"}).port == 7999


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LMDEMO_MODLE": "gpt2"}, "Unknown setting LMDEMO_MODLE"),
        ({"LMDEMO_MAX_BATCH": "many"}, "not a valid number"),
        ({"LMDEMO_DEVICE": "tpu"}, "not one of auto, cpu, cuda"),
        ({"LMDEMO_MAX_INPUT_CHARS": "0"}, "max_input_chars"),
    ],
)
def test_bad_settings_are_named(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config([], env)


def test_cache_dir_expands_user():
    config = load_config([], {"LMDEMO_CACHE_DIR": "~/x"})
    assert config.cache_dir == Path("~/x").expanduser()
    assert isinstance(AppConfig().cache_dir, Path)


def test_backend_and_mcp_settings():
    config = load_config(["--backend", "http://127.0.0.1:8000/v1", "--no-mcp"], {})
    assert config.backend == "http://127.0.0.1:8000/v1" and config.mcp is False
    env = {"LMDEMO_BACKEND": "https://example.invalid/v1", "LMDEMO_MCP": "0",
           "LMDEMO_BACKEND_TIMEOUT": "5"}
    config = load_config([], env)
    assert (config.backend, config.mcp, config.backend_timeout) == (
        "https://example.invalid/v1", False, 5.0)
    assert load_config([], {}).mcp is True and load_config([], {}).backend is None


@pytest.mark.parametrize(("argv", "env", "message"), [
    (["--backend", "localhost:8000"], {}, "is not a URL"),
    ([], {"LMDEMO_MCP": "maybe"}, "LMDEMO_MCP='maybe' must be 1 or 0"),
    (["--backend-timeout", "0"], {}, "positive number of seconds"),
])
def test_bad_backend_settings_are_named(argv, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(argv, env)


@pytest.mark.parametrize(("argv", "env"), [
    (["--hosted"], {}),
    ([], {"LMDEMO_HOSTED": "1"}),
    ([], {"SPACE_ID": "someone/lmdemo"}),
])
def test_hosted_mode_turns_on_and_lowers_limits(argv, env):
    config = load_config(argv, env)
    assert config.hosted is True
    for name, value in HOSTED_LIMITS.items():
        assert getattr(config, name) == value
        assert value < getattr(AppConfig(), name) or name == "rate_limit"
    assert config.rate_limit > 0 and AppConfig().rate_limit == 0


def test_hosted_limits_yield_to_explicit_settings_and_space_can_opt_out():
    config = load_config(["--hosted"], {"LMDEMO_MAX_NEW_TOKENS": "100", "LMDEMO_RATE_LIMIT": "0"})
    assert (config.max_new_tokens, config.rate_limit) == (100, 0)
    assert config.max_input_chars == HOSTED_LIMITS["max_input_chars"]
    assert load_config([], {"SPACE_ID": "a/b", "LMDEMO_HOSTED": "0"}).hosted is False
    plain = load_config([], {})
    assert plain.hosted is False and plain.max_new_tokens == 1024


def test_session_capacity_is_bounded_and_settable():
    assert 1 <= AppConfig().session_capacity <= 100  # Gradio's own default is 10,000
    assert load_config([], {"LMDEMO_SESSION_CAPACITY": "7"}).session_capacity == 7


@pytest.mark.parametrize(("env", "message"), [
    ({"LMDEMO_MAX_NEW_TOKENS": "0"}, "max_new_tokens must be between 1 and 1024; got 0"),
    ({"LMDEMO_MAX_NEW_TOKENS": "5000"}, "max_new_tokens must be between 1 and 1024"),
    ({"LMDEMO_SESSION_CAPACITY": "0"}, "session_capacity must be ≥ 1"),
    ({"LMDEMO_RATE_LIMIT": "-1"}, "rate_limit ≥ 0"),
    ({"LMDEMO_HOSTED": "sure"}, "LMDEMO_HOSTED='sure' must be 1 or 0"),
])
def test_bad_hosted_settings_are_named(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config([], env)
