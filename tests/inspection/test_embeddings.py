"""Embedding view: cosine neighbours over the input embedding matrix, and PCA to 2-D."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lmdemo.errors import InputError
from lmdemo.inspection import lookup, neighbors, parse_words, pca_2d, project_2d, word_vector


def embedding(tiny_runtime) -> torch.Tensor:
    return tiny_runtime.loaded.model.get_input_embeddings().weight.detach().float()


def test_neighbors_are_sorted_cosines_without_the_word(tiny_runtime):
    own = lookup(tiny_runtime, "king")
    assert own["ids"] == [5822] and not own["averaged"]
    assert own["tokens"] == [" king"] and own["labels"] == ["␣king"]
    found = neighbors(tiny_runtime, "king", 10)
    assert len(found) == 10
    sims = [n["similarity"] for n in found]
    assert sims == sorted(sims, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in sims)
    assert 5822 not in [n["id"] for n in found]
    weight = embedding(tiny_runtime)
    by_hand = torch.nn.functional.cosine_similarity(weight[5822], weight[found[0]["id"]], dim=0)
    assert found[0]["similarity"] == pytest.approx(float(by_hand), abs=1e-5)
    eos = tiny_runtime.tokenizer.eos_token_id
    assert eos not in [n["id"] for n in found]


def test_multi_token_word_is_averaged(tiny_runtime):
    info = lookup(tiny_runtime, "Zyxwvutsrq")
    assert info["averaged"] and len(info["ids"]) > 1
    expected = embedding(tiny_runtime)[info["ids"]].mean(dim=0)
    torch.testing.assert_close(word_vector(tiny_runtime, "Zyxwvutsrq"), expected)
    found = {n["id"] for n in neighbors(tiny_runtime, "Zyxwvutsrq", 20)}
    assert not found & set(info["ids"])


@pytest.mark.parametrize(("word", "k"), [("", 5), ("   ", 5), ("king", 0), ("king", 101),
                                          ("king", 2.5), ("king", True)])
def test_bad_lookups_are_refused(tiny_runtime, word, k):
    with pytest.raises(InputError):
        neighbors(tiny_runtime, word, k)


def test_pca_of_points_on_a_line():
    points = np.array([[0.0, 0, 0], [1, 1, 1], [2, 2, 2], [4, 4, 4]])
    coords = pca_2d(points)
    assert coords.shape == (4, 2)
    np.testing.assert_allclose(coords[:, 1], 0.0, atol=1e-9)
    np.testing.assert_allclose(np.abs(np.diff(coords[:, 0])), np.sqrt(3) * np.array([1, 1, 2]))
    assert coords[:, 0].sum() == pytest.approx(0.0, abs=1e-9)  # centred


def test_pca_keeps_a_planar_shape():
    square = np.array([[0.0, 0], [3, 0], [3, 1], [0, 1]])
    basis = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 2)))[0]  # (5, 2) orthonormal
    coords = pca_2d(square @ basis.T + 7.0)
    dist = lambda a: np.linalg.norm(a[:, None] - a[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(dist(coords), dist(square), atol=1e-9)
    assert np.ptp(coords[:, 0]) == pytest.approx(3.0)  # the long side is the first component


def test_project_2d(tiny_runtime):
    points = project_2d(tiny_runtime, "king, queen, man,, king, woman")
    assert [p["word"] for p in points] == ["king", "queen", "man", "woman"]
    assert set(points[0]) == {"word", "x", "y", "tokens"}
    assert sum(p["x"] for p in points) == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("words", ["", "king", "king, king", []])
def test_project_2d_needs_two_words(tiny_runtime, words):
    with pytest.raises(InputError, match="between 2"):
        project_2d(tiny_runtime, words)


def test_parse_words():
    assert parse_words(" a, b ,a,, c", 100) == ["a", "b", "c"]
    assert parse_words(["x", " y "], 100) == ["x", "y"]
