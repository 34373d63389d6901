"""lmdemo: explore how large language models work."""
