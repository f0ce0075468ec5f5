"""seq2seq (문맥 벡터 / 덧셈 어텐션) 테스트."""

from __future__ import annotations

import json

import pytest
import torch

from llmnotes.paths import models_dir
from llmnotes.seq2seq import (
    Seq2Seq,
    Seq2SeqConfig,
    TrainConfig,
    evaluate_by_length,
    greedy_decode,
    load_checkpoint,
    save_checkpoint,
    sequence_loss,
    train_seq2seq,
    translate,
)
from llmnotes.tasks import digit_vocab, make_batch, make_pairs, read_number, reading_vocab

SMALL = {"emb_dim": 8, "hidden_dim": 16, "attn_dim": 8, "max_len": 12}


def _model(attention: bool, cell: str = "gru", seed: int = 0) -> Seq2Seq:
    torch.manual_seed(seed)
    return Seq2Seq(Seq2SeqConfig(attention=attention, cell=cell, **SMALL)).eval()


def _batch(pairs=None):
    pairs = pairs or [("35020", "삼만 오천이십"), ("7", "칠"), ("110", "백십")]
    return make_batch(pairs, digit_vocab(), reading_vocab())


@pytest.mark.parametrize("attention", [False, True])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_forward_shapes_and_loss(attention, cell):
    model = _model(attention, cell)
    b = _batch()
    logits = model(b.src, b.src_mask, b.tgt_in)
    assert logits.shape == (3, b.tgt_in.shape[1], len(reading_vocab()))
    loss = sequence_loss(logits, b.tgt_out, b.tgt_mask)
    # 학습 전 손실은 균등 분포의 손실 log V 근처
    assert abs(loss.item() - torch.log(torch.tensor(20.0)).item()) < 0.5
    loss.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize("attention", [False, True])
def test_padding_does_not_change_result(attention):
    """같은 입력은 혼자 있을 때와 더 긴 입력과 함께 패딩되었을 때 같은 로짓을 낸다."""
    model = _model(attention)
    alone = _batch([("7", "칠")])
    padded = _batch([("7", "칠"), ("123456789012", read_number(123456789012))])
    la = model(alone.src, alone.src_mask, alone.tgt_in)
    lp = model(padded.src, padded.src_mask, padded.tgt_in)
    torch.testing.assert_close(la[0], lp[0, : la.shape[1]], atol=1e-5, rtol=1e-5)


def test_greedy_decode_attention_weights():
    model = _model(True)
    b = _batch()
    tokens, attn = greedy_decode(model, b.src, b.src_mask, max_len=6)
    assert tokens.shape[0] == 3 and tokens.shape[1] <= 6
    assert attn.shape == (3, tokens.shape[1], b.src.shape[1])
    live = attn.sum(-1) > 0
    torch.testing.assert_close(attn.sum(-1)[live], torch.ones(int(live.sum())))
    assert torch.all(attn[1, :, 1:] == 0)  # 한 글자 입력의 패딩 자리는 가중치 0
    _, none_attn = greedy_decode(_model(False), b.src, b.src_mask, max_len=4)
    assert none_attn is None


def test_teacher_forcing_ratio():
    model = _model(False)
    b = _batch()
    full = model(b.src, b.src_mask, b.tgt_in, teacher_forcing=1.0)
    g = torch.Generator().manual_seed(0)
    free = model(b.src, b.src_mask, b.tgt_in, teacher_forcing=0.0, generator=g)
    assert full.shape == free.shape
    torch.testing.assert_close(full[:, 0], free[:, 0])  # 첫 시점은 둘 다 <bos> 를 본다
    assert not torch.allclose(full, free)
    with pytest.raises(ValueError, match="teacher_forcing"):
        TrainConfig(teacher_forcing=1.5)


def test_training_reduces_loss_and_learns():
    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(emb_dim=16, hidden_dim=32, attention=True, attn_dim=16, max_len=8))
    pairs = make_pairs(400, 1, 2, seed=0)
    cfg = TrainConfig(steps=60, batch_size=32, lr=1e-2, progress=False, log_every=20)
    hist = train_seq2seq(model, cfg, pairs=pairs)
    assert len(hist) == 3 and hist[-1]["loss"] < 0.3 * hist[0]["loss"]
    acc = evaluate_by_length(model, make_pairs(60, 1, 2, seed=5))
    assert set(acc) == {1, 2} and acc[1] >= 0.8 and acc[2] >= 0.5


def test_translate_and_checkpoint_roundtrip(tmp_path):
    model = _model(True)
    out, attn = translate(model, ["12", "30500"], return_attention=True)
    assert len(out) == 2 and len(attn) == 2
    assert attn[1].shape[1] == 5 and attn[1].shape[0] in (len(out[1]), len(out[1]) + 1)
    save_checkpoint(model, tmp_path / "m", recipe={"seed": 0})
    recipe = json.loads((tmp_path / "m" / "recipe.json").read_text(encoding="utf-8"))
    assert len(recipe["sha256"]["model.safetensors"]) == 64
    loaded = load_checkpoint(tmp_path / "m")
    assert loaded.config == model.config
    assert translate(loaded, ["12", "30500"]) == out
    (tmp_path / "m" / "model.safetensors").write_bytes(b"broken")
    with pytest.raises(ValueError, match="sha256"):
        load_checkpoint(tmp_path / "m")
    with pytest.raises(ValueError, match="config.json"):
        load_checkpoint(tmp_path / "nothing")


def test_bad_inputs():
    with pytest.raises(ValueError, match="cell"):
        Seq2SeqConfig(cell="transformer")
    with pytest.raises(ValueError, match="hidden_dim"):
        Seq2SeqConfig(hidden_dim=0)
    model = _model(False)
    b = _batch()
    with pytest.raises(ValueError, match="src_mask"):
        model(b.src, b.src_mask[:, :2], b.tgt_in)
    with pytest.raises(ValueError, match="tgt_in"):
        model(b.src, b.src_mask, b.tgt_in[:2])
    with pytest.raises(ValueError, match="max_len"):
        greedy_decode(model, b.src, b.src_mask, max_len=0)
    with pytest.raises(ValueError, match="'x'"):
        translate(model, ["12x"])
    with pytest.raises(ValueError, match="targets"):
        sequence_loss(torch.zeros(2, 3, 5), torch.zeros(2, 4, dtype=torch.long), torch.ones(2, 4, dtype=bool))


SHIPPED = [models_dir() / "seq2seq-context", models_dir() / "seq2seq-attention"]


@pytest.mark.skipif(not all((p / "model.safetensors").is_file() for p in SHIPPED), reason="체크포인트 없음")
def test_shipped_checkpoints_show_bottleneck():
    """배포 체크포인트: 긴 입력에서 어텐션 모델이 문맥 벡터 모델보다 훨씬 정확하다."""
    ctx, att = (load_checkpoint(p) for p in SHIPPED)
    pairs = make_pairs(60, 11, 12, seed=2)
    acc_ctx = evaluate_by_length(ctx, pairs)
    acc_att = evaluate_by_length(att, pairs)
    assert min(acc_att.values()) > 0.8
    assert max(acc_ctx.values()) < min(acc_att.values()) - 0.2
    results = json.loads((models_dir() / "seq2seq-results.json").read_text(encoding="utf-8"))
    assert set(results["seq2seq-context"]) == {str(n) for n in range(1, 13)}
