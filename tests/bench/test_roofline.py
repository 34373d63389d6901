"""The roofline bench counts each linear weight once, GPT-2's Conv1D layers included."""

from transformers.pytorch_utils import Conv1D

from lmdemo.bench.roofline import linear_weights


def test_linear_weights_counts_conv1d_and_the_head(tiny_loaded):
    model = tiny_loaded.model
    conv = sum(m.weight.numel() for m in model.modules() if isinstance(m, Conv1D))
    head = model.get_output_embeddings().weight.numel()
    assert conv > 0
    assert linear_weights(model) == conv + head
