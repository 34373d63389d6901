"""The README fits on a page and its links to docs/ lead somewhere (issue 19)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_fits_on_a_page():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 350


def test_every_relative_link_in_the_readme_and_docs_exists():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if "://" in target or target.startswith("?"):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_each_doc_the_readme_names_is_linked_from_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in ("measurements", "evaluation", "hosting", "backends", "interfaces"):
        assert f"(docs/{doc}.md)" in readme
