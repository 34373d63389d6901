"""One module per task. Each defines ``TASK``; ``lmdemo.tasks.registry`` finds them all."""
