"""Weight formats per CPU: what each format computes, and how start-up chooses among them."""

import logging

import pytest
import torch
from torch import nn

from lmdemo.errors import ModelLoadError
from lmdemo.models import formats
from lmdemo.models.formats import (
    CpuInfo,
    FormatChoice,
    Int8Linear,
    available_formats,
    choose_formats,
    convert_linears,
    cpu_info,
    pick_and_convert,
)
from lmdemo.models.fp16 import Fp16Linear, fp16_supported
from lmdemo.models.loader import wants_weight_formats

AVX2 = CpuInfo("AMD EPYC", frozenset({"avx2", "fma", "f16c"}), "AVX2")
AVX512 = CpuInfo("Intel Xeon", frozenset({"avx2", "f16c", "avx512f", "amx_bf16"}), "AVX512")
int8_kernel = pytest.mark.skipif(not hasattr(torch, "_weight_int8pack_mm"),
                                 reason="needs torch._weight_int8pack_mm")


def test_cpu_info_reads_this_machine():
    cpu = cpu_info()
    assert cpu.name and cpu.capability == torch.backends.cpu.get_cpu_capability()
    assert cpu.capability in cpu.summary


@int8_kernel
def test_int8_is_offered_only_where_its_kernel_is_vectorised():
    assert "int8" not in available_formats(AVX2)
    assert "int8" in available_formats(AVX512)
    assert available_formats(AVX2)[0] == "fp32"


@int8_kernel
def test_int8_layer_multiplies_by_its_per_row_dequantized_weight():
    torch.manual_seed(0)
    linear = nn.Linear(40, 24)
    layer = Int8Linear(linear.weight, linear.bias)
    x = torch.randn(3, 5, 40)
    expected = x @ layer.dequantized().T + linear.bias
    assert layer(x).shape == (3, 5, 24) and layer.qweight.dtype == torch.int8
    assert torch.allclose(layer(x), expected, atol=1e-4)
    # each row's largest weight maps to +-127, so the rounding error is half a step at most
    step = linear.weight.abs().amax(1, keepdim=True) / 127
    assert ((layer.dequantized() - linear.weight).abs() <= step / 2 + 1e-7).all()
    assert layer.weight_bytes == 24 * (40 + 4)


@int8_kernel
def test_int8_rows_are_the_same_alone_or_batched():
    torch.manual_seed(1)
    layer = Int8Linear(torch.randn(64, 32), None)
    rows = torch.randn(17, 32)
    alone = torch.cat([layer(rows[i : i + 1]) for i in range(len(rows))])
    assert torch.equal(layer(rows), alone)


@pytest.mark.parametrize(("timings", "expected"), [
    ({"fp32": 10.0, "fp16": 5.0}, "fp16"),
    ({"fp32": 10.0, "fp16": 9.5}, "fp32"),  # within the margin: the exact one
    ({"fp32": 10.0, "fp16": 5.0, "int8": 4.8}, "fp16"),
    ({"fp32": 10.0, "fp16": 5.0, "int8": 2.0}, "int8"),
    ({"fp32": 1.0, "fp16": 5.0, "int8": 4.0}, "fp32"),
])
def test_a_format_that_rounds_more_must_win_by_the_margin(timings, expected):
    assert formats._fastest(timings) == expected


def test_auto_measures_each_role_and_keeps_the_fastest(monkeypatch):
    calls = []

    def fake_times(offered, shape, **kwargs):
        calls.append((offered, shape))
        big = shape[0] > 10000
        return {"fp32": 10.0, "fp16": 4.0 if big else 9.8}

    monkeypatch.setattr(formats, "time_formats", fake_times)
    monkeypatch.setattr(formats, "fp16_supported", lambda: True)
    choice = choose_formats("auto", (2048, 640), (262144, 640), AVX2, measure=True)
    assert (choice.body, choice.head) == ("fp32", "fp16")
    assert choice.label == "body fp32, head fp16"
    assert calls == [(("fp32", "fp16"), (2048, 640)), (("fp32", "fp16"), (16384, 640))]
    assert "head 16384x640" in choice.reason and "fp16 4.00 ms" in choice.reason


@int8_kernel
def test_auto_never_measures_int8_which_missed_the_precision_target(monkeypatch):
    offered = []
    monkeypatch.setattr(formats, "time_formats",
                        lambda f, shape, **k: offered.append(f) or dict.fromkeys(f, 1.0))
    monkeypatch.setattr(formats, "fp16_supported", lambda: True)
    assert choose_formats("auto", (8, 8), (8, 8), AVX512, measure=True).label == "fp32"
    assert offered == [("fp32", "fp16")] * 2
    assert choose_formats("int8", (8, 8), (8, 8), AVX512).label == "int8"


def test_auto_at_start_up_goes_by_the_flags_without_measuring(monkeypatch):
    monkeypatch.setattr(formats, "time_formats", lambda *a, **k: pytest.fail("measured"))
    monkeypatch.setattr(formats, "fp16_supported", lambda: True)
    assert choose_formats("auto", (8, 8), (8, 8), AVX2).label == "fp16"
    no_f16c = CpuInfo("old", frozenset({"avx"}), "DEFAULT")
    assert choose_formats("auto", (8, 8), (8, 8), no_f16c).label == "fp32"
    monkeypatch.setattr(formats, "fp16_supported", lambda: False)  # an ARM build
    assert choose_formats("auto", (8, 8), (8, 8), AVX2).label == "fp32"


def test_named_formats_are_used_as_asked_without_measuring(monkeypatch):
    monkeypatch.setattr(formats, "time_formats", lambda *a, **k: pytest.fail("measured"))
    assert choose_formats("none", (8, 8), (8, 8), AVX2).label == "fp32"
    assert choose_formats("fp16", (8, 8), (8, 8), AVX2).label == "fp16"


@pytest.mark.skipif(not fp16_supported(), reason="needs FBGEMM (x86)")
def test_the_head_can_take_its_own_format(tiny_loaded):
    import copy

    model = copy.deepcopy(tiny_loaded.model)
    ids = torch.tensor([[464, 3797, 3332, 319]])
    with torch.inference_mode():
        before = model(ids).logits
        convert_linears(model, FormatChoice("fp32", "fp16", "test", AVX2))
        after = model(ids).logits
    assert isinstance(model.get_output_embeddings(), Fp16Linear)
    assert not any(isinstance(m, Fp16Linear) for m in model.transformer.modules())
    assert model.get_input_embeddings().weight.dtype == torch.float32  # the tied copy stays
    assert torch.allclose(before, after, atol=1e-2)


def test_the_choice_is_logged_with_the_cpu(tiny_loaded, caplog):
    import copy

    model = copy.deepcopy(tiny_loaded.model)
    with caplog.at_level(logging.INFO, logger="lmdemo.models.formats"):
        choice = pick_and_convert(model, "none")
    assert choice.label == "fp32"
    assert cpu_info().name in caplog.text and "Weight format fp32" in caplog.text


def test_asking_for_int8_where_it_is_not_vectorised_is_refused(tiny_config, monkeypatch):
    monkeypatch.setattr(formats, "cpu_info", lambda: AVX2)
    import lmdemo.models.loader as loader

    monkeypatch.setattr(loader, "cpu_info", lambda: AVX2)
    asked = tiny_config.with_overrides(quantize="int8")
    with pytest.raises(ModelLoadError, match="--quantize int8 cannot run here"):
        wants_weight_formats(asked, torch.device("cpu"), torch.float32)
