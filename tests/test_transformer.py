"""llmnotes.transformer 테스트: torch.nn 의 MultiheadAttention / TransformerEncoderLayer / DecoderLayer 와의 일치,
위치 인코딩, 미니 트랜스포머, 체크포인트 저장·불러오기, 잘못된 입력."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from llmnotes.attention import causal_mask, padding_mask
from llmnotes.tasks import digit_vocab, make_batch, make_pairs, reading_vocab
from llmnotes.transformer import (
    DecoderLayer,
    EncoderLayer,
    LearnedPositionalEncoding,
    MultiHeadAttention,
    Seq2SeqTransformer,
    SinusoidalPositionalEncoding,
    TrainConfig,
    TransformerConfig,
    attention_matrix_bytes,
    evaluate_by_length,
    load_checkpoint,
    save_checkpoint,
    sinusoidal_positional_encoding,
    train_numread,
)

TOL = dict(atol=1e-6, rtol=1e-6)  # float32 일치 허용 오차
D, H, FF = 16, 4, 32


def _mha_pair(seed=0, bias=True):
    torch.manual_seed(seed)
    ref = nn.MultiheadAttention(D, H, batch_first=True, bias=bias).eval()
    ours = MultiHeadAttention(D, H, bias=bias).load_from_torch(ref).eval()
    return ours, ref


def _inputs(seed=1):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(2, 5, D, generator=g)
    k = torch.randn(2, 7, D, generator=g)
    v = torch.randn(2, 7, D, generator=g)
    return q, k, v


# ----------------------------------------------------------------------------------------------- 위치 인코딩


def test_sinusoidal_formula():
    pe = sinusoidal_positional_encoding(50, 8)
    assert pe.shape == (50, 8)
    for pos in (0, 7, 49):
        for i in range(4):
            angle = pos / 10000 ** (2 * i / 8)
            assert pe[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
            assert pe[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)
    odd = sinusoidal_positional_encoding(4, 5)  # 홀수 차원도 된다: 마지막 열은 sin 만
    assert odd.shape == (4, 5)
    assert odd[3, 4].item() == pytest.approx(math.sin(3 / 10000 ** (4 / 5)), abs=1e-6)


def test_positional_modules_add_and_reject_long_inputs():
    x = torch.zeros(2, 6, 8)
    sin = SinusoidalPositionalEncoding(8, max_len=10)
    torch.testing.assert_close(sin(x)[1], sinusoidal_positional_encoding(10, 8)[:6], **TOL)
    learned = LearnedPositionalEncoding(8, max_len=10)
    torch.testing.assert_close(learned(x)[0], learned.embedding.weight[:6], **TOL)
    for mod in (sin, learned):
        with pytest.raises(ValueError, match="T=11.*max_len=10"):
            mod(torch.zeros(1, 11, 8))
        with pytest.raises(ValueError, match=r"\(1, 3, 7\)"):
            mod(torch.zeros(1, 3, 7))


# ----------------------------------------------------------------------------------------------- 멀티헤드 어텐션


def test_mha_parity_no_mask():
    ours, ref = _mha_pair()
    q, k, v = _inputs()
    o1, w1 = ours(q, k, v)
    o2, w2 = ref(q, k, v)
    torch.testing.assert_close(o1, o2, **TOL)
    torch.testing.assert_close(w1, w2, **TOL)


def test_mha_parity_key_padding_and_attn_mask():
    ours, ref = _mha_pair(seed=3)
    q, k, v = _inputs(seed=4)
    kpm = padding_mask([7, 4])  # 우리: True = 유효
    am = causal_mask(5, 7)
    o1, w1 = ours(q, k, v, key_padding_mask=kpm, attn_mask=am)
    o2, w2 = ref(q, k, v, key_padding_mask=~kpm, attn_mask=~am)  # torch: True = 가림
    torch.testing.assert_close(o1, o2, **TOL)
    torch.testing.assert_close(w1, w2, **TOL)
    # 헤드별 가중치도 같다
    _, wh1 = ours(q, k, v, key_padding_mask=kpm, attn_mask=am, average_attn_weights=False)
    _, wh2 = ref(q, k, v, key_padding_mask=~kpm, attn_mask=~am, average_attn_weights=False)
    assert wh1.shape == (2, H, 5, 7)
    torch.testing.assert_close(wh1, wh2, **TOL)
    torch.testing.assert_close(ours.attn_weights, wh2, **TOL)


def test_mha_parity_float_attn_mask_and_is_causal():
    ours, ref = _mha_pair(seed=5)
    q, _, _ = _inputs(seed=6)
    float_mask = torch.zeros(5, 5).masked_fill(~causal_mask(5), float("-inf"))
    kpm = padding_mask([5, 3])
    o1, w1 = ours(q, q, q, key_padding_mask=kpm, attn_mask=float_mask)
    o2, w2 = ref(
        q, q, q, key_padding_mask=(~kpm).float().masked_fill(~kpm, float("-inf")), attn_mask=float_mask
    )
    torch.testing.assert_close(o1, o2, **TOL)
    torch.testing.assert_close(w1, w2, **TOL)
    o3, _ = ours(q, q, q, key_padding_mask=kpm, is_causal=True)
    torch.testing.assert_close(o3, o1, **TOL)


def test_mha_parity_without_bias():
    ours, ref = _mha_pair(seed=7, bias=False)
    q, k, v = _inputs(seed=8)
    torch.testing.assert_close(ours(q, k, v)[0], ref(q, k, v)[0], **TOL)


def test_mha_bad_inputs():
    with pytest.raises(ValueError, match="d_model=10.*n_heads=4"):
        MultiHeadAttention(10, 4)
    with pytest.raises(ValueError, match="d_model=10.*n_heads=3"):
        TransformerConfig(d_model=10, n_heads=3)
    ours, _ = _mha_pair()
    q, k, v = _inputs()
    with pytest.raises(ValueError, match=r"key_padding_mask의 모양이 \(2, 5\)"):
        ours(q, k, v, key_padding_mask=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="dtype=torch.int64"):
        ours(q, k, v, key_padding_mask=torch.ones(2, 7, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape=\(2, 5, 7\)"):
        ours(q, k, v, attn_mask=torch.ones(2, 5, 7, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"attn_mask의 모양이 \(5, 6\)"):
        ours(q, k, v, attn_mask=torch.ones(5, 6, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"query의 모양이 \(2, 5, 8\)"):
        ours(q[..., :8], k, v)
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttention(D, 2).load_from_torch(nn.MultiheadAttention(D, 4))


# ----------------------------------------------------------------------------------------------- 인코더/디코더 층


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_parity(norm_first):
    torch.manual_seed(10)
    ref = nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, batch_first=True, norm_first=norm_first).eval()
    ours = EncoderLayer(D, H, FF, norm_first=norm_first).load_from_torch(ref).eval()
    x = torch.randn(2, 7, D)
    mask = padding_mask([7, 4])
    out = ours(x, mask)
    expected = ref(x, src_key_padding_mask=~mask)
    # torch 의 빠른 경로(fast path)는 패딩 자리 출력을 0 으로 채우므로 실제 토큰 자리만 비교한다.
    torch.testing.assert_close(out[mask], expected[mask], **TOL)
    torch.testing.assert_close(ours(x), ref(x), **TOL)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_parity(norm_first):
    torch.manual_seed(11)
    ref = nn.TransformerDecoderLayer(D, H, FF, dropout=0.0, batch_first=True, norm_first=norm_first).eval()
    ours = DecoderLayer(D, H, FF, norm_first=norm_first).load_from_torch(ref).eval()
    y, memory = torch.randn(2, 5, D), torch.randn(2, 7, D)
    tgt_mask, mem_mask = padding_mask([5, 3]), padding_mask([7, 4])
    expected = ref(
        y,
        memory,
        tgt_mask=~causal_mask(5),
        tgt_key_padding_mask=~tgt_mask,
        memory_key_padding_mask=~mem_mask,
    )
    torch.testing.assert_close(ours(y, memory, tgt_mask, mem_mask), expected, **TOL)


def test_pre_and_post_norm_differ():
    torch.manual_seed(12)
    post = EncoderLayer(D, H, FF, norm_first=False)
    pre = EncoderLayer(D, H, FF, norm_first=True)
    pre.load_state_dict(post.state_dict())
    x = torch.randn(1, 4, D) * 3
    out_post = post(x)
    # post-norm 출력은 위치마다 평균 0, 분산 1 (LN 의 가중치 1, 편향 0 초기값)
    torch.testing.assert_close(out_post.mean(-1), torch.zeros(1, 4), atol=1e-5, rtol=0)
    assert not torch.allclose(out_post, pre(x))


# ----------------------------------------------------------------------------------------------- 미니 트랜스포머


def _tiny_config(**kw):
    base = dict(src_vocab_size=14, tgt_vocab_size=20, d_model=16, n_heads=2, d_ff=32, max_len=40)
    return TransformerConfig(**{**base, **kw})


def test_seq2seq_shapes_loss_and_causality():
    torch.manual_seed(0)
    model = Seq2SeqTransformer(_tiny_config()).eval()
    batch = make_batch(make_pairs(4, seed=0), digit_vocab(), reading_vocab())
    logits = model(batch.src, batch.tgt_in, batch.src_mask, batch.tgt_mask)
    assert logits.shape == (*batch.tgt_in.shape, 20)
    loss = model.loss(batch)
    assert loss.item() == pytest.approx(math.log(20), rel=0.3)  # 학습 전: 균등 분포 근처
    # 인과성: t 번째 이후 입력을 바꿔도 t 번째까지의 출력은 변하지 않는다.
    changed = batch.tgt_in.clone()
    changed[:, 3:] = 5
    logits2 = model(batch.src, changed, batch.src_mask)
    logits1 = model(batch.src, batch.tgt_in, batch.src_mask)
    torch.testing.assert_close(logits1[:, :3], logits2[:, :3], **TOL)
    # 패딩 불변성: 입력 뒤에 패딩을 더 붙여도 결과가 같다.
    src_padded = torch.cat([batch.src, torch.zeros(4, 3, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model(src_padded, batch.tgt_in), logits1, atol=1e-5, rtol=1e-5)


def test_seq2seq_learned_positional_and_post_norm_variants():
    for kw in (dict(positional="learned"), dict(norm_first=False)):
        model = Seq2SeqTransformer(_tiny_config(**kw))
        batch = make_batch(make_pairs(3, seed=1), digit_vocab(), reading_vocab())
        assert torch.isfinite(model.loss(batch))


def test_greedy_decode_shapes_and_bad_inputs():
    torch.manual_seed(0)
    model = Seq2SeqTransformer(_tiny_config())
    src = torch.tensor([[5, 6, 7], [8, 0, 0]])
    out = model.greedy_decode(src, max_new_tokens=6)
    assert out.shape[0] == 2 and out.shape[1] <= 6
    with pytest.raises(ValueError, match="max_new_tokens=50"):
        model.greedy_decode(src, max_new_tokens=50)
    with pytest.raises(ValueError, match="torch.long"):
        model.encode(src.float())
    with pytest.raises(ValueError, match=r"어휘 범위 \[0, 14\)"):
        model.encode(torch.tensor([[15]]))
    with pytest.raises(ValueError, match="positional"):
        _tiny_config(positional="rotary")
    with pytest.raises(TypeError, match="TransformerConfig"):
        Seq2SeqTransformer({"d_model": 16})


def test_attention_matrix_bytes():
    assert attention_matrix_bytes(1024, 8) == 1024 * 1024 * 8 * 4
    assert attention_matrix_bytes(10, 2, batch_size=3, bytes_per_element=2) == 3 * 2 * 100 * 2
    with pytest.raises(ValueError, match="seq_len"):
        attention_matrix_bytes(0, 2)


def test_tiny_training_learns_and_checkpoint_roundtrip(tmp_path):
    mc = _tiny_config(d_model=32, n_heads=4, d_ff=64, n_encoder_layers=1, n_decoder_layers=1)
    # 한 자리 수(0~9 의 열 가지)만 학습하면 금방 외운다.
    tc = TrainConfig(n_train=200, max_digits=1, steps=60, batch_size=32, lr=1e-2, warmup=10, log_every=10)
    model, history = train_numread(mc, tc)
    assert history["step"][-1] == 60
    assert history["loss"][-1] < history["loss"][0] * 0.2
    test = [(str(d), r) for d, r in zip(range(10), "영일이삼사오육칠팔구")]
    assert evaluate_by_length(model, test) == {1: 1.0}
    recipe = save_checkpoint(model, tmp_path / "ckpt", {"seed": 0})
    assert set(recipe["sha256"]) == {"model.pt", "config.json"}
    loaded = load_checkpoint(tmp_path / "ckpt")
    src, mask = make_batch(test, digit_vocab(), reading_vocab()).src, None
    torch.testing.assert_close(loaded.greedy_decode(src, mask), model.greedy_decode(src, mask))
    # 파일이 바뀌면 sha256 검사에서 걸린다.
    cfg = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    cfg["dropout"] = 0.1
    (tmp_path / "ckpt" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="sha256"):
        load_checkpoint(tmp_path / "ckpt")
    with pytest.raises(FileNotFoundError, match="model.pt"):
        load_checkpoint(tmp_path / "missing")
