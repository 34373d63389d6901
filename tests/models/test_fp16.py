"""Float16-weight linear layers: same maths as float32 within float16 rounding, rows apart."""

import copy

import pytest
import torch
from torch import nn

from lmdemo.errors import ModelLoadError
from lmdemo.models.fp16 import Fp16Linear, fp16_supported, halve_linears
from lmdemo.models.loader import wants_weight_formats

pytestmark = pytest.mark.skipif(not fp16_supported(), reason="needs FBGEMM (x86)")


def test_matches_a_float32_linear_with_rounded_weights():
    torch.manual_seed(0)
    linear = nn.Linear(48, 80)
    x = torch.randn(3, 5, 48)
    fast = Fp16Linear.from_weight(linear.weight, linear.bias)
    expected = x @ linear.weight.half().float().T + linear.bias
    assert fast(x).shape == (3, 5, 80)
    assert torch.allclose(fast(x), expected, atol=1e-4)
    # and float16 rounding is all that separates it from the float32 layer
    assert not torch.equal(fast(x), linear(x))
    assert torch.allclose(fast(x), linear(x), atol=1e-2)


def test_a_row_gives_the_same_result_alone_or_batched():
    torch.manual_seed(1)
    fast = Fp16Linear.from_weight(torch.randn(64, 32), None)
    rows = torch.randn(17, 32)
    alone = torch.cat([fast(rows[i : i + 1]) for i in range(len(rows))])
    assert torch.allclose(fast(rows), alone, atol=1e-5)


def test_gpt2_conv1d_layers_are_swapped_the_right_way_round(tiny_loaded):
    from transformers.pytorch_utils import Conv1D

    model = copy.deepcopy(tiny_loaded.model)
    ids = torch.tensor([[464, 3797, 3332, 319]])
    with torch.inference_mode():
        before = model(ids).logits
        count = halve_linears(model)
        after = model(ids).logits
    conv1d = sum(isinstance(m, Conv1D) for m in tiny_loaded.model.modules())
    assert count == conv1d + 1  # every Conv1D plus the output head
    assert not any(isinstance(m, (Conv1D, nn.Linear)) for m in model.modules())
    assert torch.allclose(before, after, atol=1e-2)
    assert (before.argmax(-1) == after.argmax(-1)).all()


def test_a_weight_packed_in_pieces_gives_the_same_output(monkeypatch):
    import lmdemo.models.fp16 as fp16

    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(16, 50))
    x = torch.randn(3, 16)
    whole = copy.deepcopy(model)
    halve_linears(whole)
    monkeypatch.setattr(fp16, "PIECE_ROWS", 8)  # 50 rows -> 7 pieces
    halve_linears(model)
    assert len(model[0]._pieces) == 7 and len(whole[0]._pieces) == 1
    assert torch.equal(model(x), whole(x))


def test_copies_of_a_model_share_the_packed_layers():
    layer = Fp16Linear.from_weight(torch.randn(4, 4), None)
    assert copy.deepcopy(nn.Sequential(layer))[0] is layer


def test_weight_bytes_are_two_per_weight():
    assert Fp16Linear.from_weight(torch.randn(10, 6), None).weight_bytes == 120


def test_auto_chooses_weight_formats_on_a_cpu_in_float32_only(tiny_config):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    auto = tiny_config.with_overrides(quantize="auto")
    assert wants_weight_formats(auto, cpu, torch.float32)
    assert not wants_weight_formats(auto, cpu, torch.bfloat16)
    assert not wants_weight_formats(auto, cuda, torch.float32)
    assert not wants_weight_formats(tiny_config.with_overrides(quantize="none"), cpu,
                                    torch.float32)


def test_asking_for_fp16_where_it_cannot_run_names_the_fix(tiny_config):
    asked = tiny_config.with_overrides(quantize="fp16")
    with pytest.raises(ModelLoadError, match="--quantize fp16 cannot run here.*auto or none"):
        wants_weight_formats(asked, torch.device("cuda"), torch.float32)


def test_loader_reports_the_precision(tiny_loaded, tiny_fp16_loaded):
    assert tiny_loaded.precision == "float32" and not tiny_loaded.fp16_weights
    assert tiny_fp16_loaded.precision == "float16 weights, float32 compute"
    assert tiny_fp16_loaded.num_parameters == tiny_loaded.num_parameters
