"""The start-up benchmark reads when each load step began from the app's log."""

from datetime import datetime

from lmdemo.bench.startup import load_steps

LOG = """\
2026-12-07 10:00:01,000 INFO lmdemo: Serving in 4.2s; the model loads in the background
2026-12-07 10:00:03,500 INFO lmdemo.models.progress: Model load: converting, reading the \
GGUF tokenizer, 0% (1.0 s)
2026-12-07 10:00:40,250 INFO lmdemo.models.progress: Model load: loading, reading the \
weights, 0% (37.8 s)
2026-12-07 10:00:45,000 INFO lmdemo.runtime: Ready in 42.5s with gemma-3-270m via \
in-process engine (offline)
"""


def test_load_steps_are_timed_from_the_launch(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(LOG)
    launched = datetime(2026, 12, 7, 10, 0, 0).timestamp()
    steps = load_steps(log, launched)
    assert [(round(at, 2), what) for at, what in steps] == [
        (3.5, "converting, reading the GGUF tokenizer, 0%"),
        (40.25, "loading, reading the weights, 0%"),
        (45.0, "ready")]
