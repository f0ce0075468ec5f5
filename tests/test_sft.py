"""llmnotes.sft: 대화 템플릿(Jinja = 파이썬), 프롬프트 마스킹, trl SFTTrainer 와의 배치·손실 일치, 학습 루프, 잘못된 입력."""

from __future__ import annotations

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from llmnotes import bpe
from llmnotes.loaders import load_instructions
from llmnotes.sft import (
    CHAT_TEMPLATE,
    CHAT_TOKENS,
    IGNORE_INDEX,
    SFTConfig,
    add_chat_tokens,
    collate,
    instruction_to_messages,
    masked_lm_loss,
    render_chat,
    tokenize_chat,
    tokenize_instruction,
    train_sft,
)

ATOL = 1e-6  # float64 모델: 같은 로짓에서 같은 합/평균이므로 차이는 반올림 수준뿐


@pytest.fixture(scope="module")
def data():
    return load_instructions("train")[:24]


@pytest.fixture(scope="module")
def tok(data):
    texts = [render_chat(instruction_to_messages(e)) for e in data]
    t = bpe.train(
        texts, 320, special_tokens=("<|endoftext|>", "<pad>", "<unk>") + CHAT_TOKENS
    ).to_transformers()
    t.chat_template = CHAT_TEMPLATE
    return t


def _model(tok, seed=0, dtype=torch.float64) -> GPT2LMHeadModel:
    torch.manual_seed(seed)
    cfg = GPT2Config(
        vocab_size=len(tok),
        n_positions=512,
        n_embd=32,
        n_layer=2,
        n_head=4,
        bos_token_id=tok.eos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    return GPT2LMHeadModel(cfg).to(dtype).eval()


def test_render_matches_jinja_template(tok):
    msgs = [
        {"role": "system", "content": "당신은 친절한 도우미입니다."},
        {"role": "user", "content": "안녕?"},
        {"role": "assistant", "content": "안녕하세요!"},
        {"role": "user", "content": "오늘 날씨는?"},
    ]
    for gen in (False, True):
        assert tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen) == render_chat(
            msgs, gen
        )
    assert render_chat(msgs[1:3]) == "<|user|>\n안녕?\n<|assistant|>\n안녕하세요!<|endoftext|>"
    # NFD 로 들어온 한국어는 NFC 로 정규화된다
    import unicodedata

    nfd = [{"role": "user", "content": unicodedata.normalize("NFD", "한국어")}]
    assert render_chat(nfd) == "<|user|>\n한국어\n"


def test_instruction_to_messages_joins_input():
    ex = {"instruction": "요약하세요.", "input": "긴 글", "output": "짧은 글"}
    msgs = instruction_to_messages(ex, system="규칙")
    assert msgs == [
        {"role": "system", "content": "규칙"},
        {"role": "user", "content": "요약하세요.\n\n긴 글"},
        {"role": "assistant", "content": "짧은 글"},
    ]
    assert (
        instruction_to_messages({"instruction": "인사", "input": "", "output": "안녕"})[0]["content"]
        == "인사"
    )


def test_prompt_tokens_are_masked(tok, data):
    ex = tokenize_instruction(data[0], tok)
    ids, labels = ex["input_ids"], ex["labels"]
    assert len(ids) == len(labels)
    n_prompt = sum(1 for v in labels if v == IGNORE_INDEX)
    prompt = render_chat(instruction_to_messages(data[0])[:-1], add_generation_prompt=True)
    assert tok.decode(ids[:n_prompt]) == prompt  # 마스크된 부분이 정확히 프롬프트
    assert labels[n_prompt:] == ids[n_prompt:]
    assert tok.decode(ids[n_prompt:]) == data[0].output + "<|endoftext|>"  # 응답 + 끝 토큰이 손실에 들어간다
    # HF 의 assistant 마스크({% generation %})와 같은 위치
    out = tok.apply_chat_template(
        instruction_to_messages(data[0]), return_assistant_tokens_mask=True, return_dict=True
    )
    assert out["input_ids"] == ids
    assert [int(v != IGNORE_INDEX) for v in labels] == out["assistant_masks"]


def _trl_batch_and_loss(tok, model, data, tmp_path, mode):
    from datasets import Dataset
    from trl import SFTConfig as TrlConfig
    from trl import SFTTrainer
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    if mode == "completion_only_loss":
        rows = [
            {"prompt": m[:-1], "completion": m[-1:]} for m in (instruction_to_messages(e) for e in data[:4])
        ]
        kw = {"completion_only_loss": True}
    else:
        rows = [{"messages": instruction_to_messages(e)} for e in data[:4]]
        kw = {"assistant_only_loss": True}
    args = TrlConfig(
        output_dir=str(tmp_path),
        report_to="none",
        max_length=None,
        use_cpu=True,
        per_device_train_batch_size=4,
        **kw,
    )
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok)
    assert isinstance(trainer.data_collator, DataCollatorForLanguageModeling)
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch))
    return batch, loss


@pytest.mark.parametrize("mode", ["completion_only_loss", "assistant_only_loss"])
def test_loss_matches_trl_sft_trainer(tok, data, tmp_path, mode):
    model = _model(tok)
    batch, trl_loss = _trl_batch_and_loss(tok, model, data, tmp_path, mode)
    ours = collate([tokenize_instruction(e, tok) for e in data[:4]], tok.pad_token_id)
    # 같은 토큰, 같은 마스크, 같은 채우기
    for key in ("input_ids", "labels", "attention_mask"):
        assert torch.equal(ours[key], batch[key]), key
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=ours["input_ids"], attention_mask=ours["attention_mask"]).logits
        loss = masked_lm_loss(logits, ours["labels"])
    torch.testing.assert_close(loss, trl_loss.to(loss.dtype), atol=ATOL, rtol=0)
    # HF 모델의 자체 손실(labels=…)과도 같다. transformers 는 로짓을 float32 로 내려 계산하므로 1e-5
    with torch.no_grad():
        hf = model(**ours).loss
    torch.testing.assert_close(loss, hf.to(loss.dtype), atol=1e-5, rtol=0)


def test_masked_loss_by_hand():
    logits = torch.randn(2, 4, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    labels = torch.tensor([[-100, 1, 2, -100], [-100, -100, 3, 4]])
    # 위치 t 의 로짓이 labels[t+1] 을 예측: (0→1), (1→2), (1→3), (2→4)
    lp = logits.log_softmax(-1)
    expected = -(lp[0, 0, 1] + lp[0, 1, 2] + lp[1, 1, 3] + lp[1, 2, 4]) / 4
    torch.testing.assert_close(masked_lm_loss(logits, labels), expected)
    torch.testing.assert_close(masked_lm_loss(logits, labels, num_items=8), expected / 2)
    assert masked_lm_loss(logits, torch.full((2, 4), -100)) == 0  # 유효 토큰이 없으면 0


def test_train_sft_decreases_loss_and_is_seeded(tok, data):
    examples = [tokenize_instruction(e, tok) for e in data[:8]]
    cfg = SFTConfig(lr=3e-3, epochs=3, batch_size=4, seed=1)
    a = train_sft(_model(tok, dtype=torch.float32), examples, tok.pad_token_id, cfg)
    b = train_sft(_model(tok, dtype=torch.float32), examples, tok.pad_token_id, cfg)
    assert len(a) == 6 and a == b  # 같은 시드 → 같은 손실 곡선
    assert a[-1] < a[0]


def test_add_chat_tokens_resizes_model():
    t = bpe.train(["안녕하세요 반갑습니다"] * 3, 270).to_transformers()
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(t), n_positions=32, n_embd=16, n_layer=1, n_head=2))
    ids = add_chat_tokens(t, model)
    assert len(ids) == 3 and len(set(ids)) == 3 and min(ids) >= 270
    assert model.get_input_embeddings().weight.shape[0] == len(t) == 273
    emb = model.get_input_embeddings().weight
    torch.testing.assert_close(emb[270], emb[:270].mean(0))
    assert (
        t.convert_ids_to_tokens(t("<|user|>\n안녕", add_special_tokens=False)["input_ids"])[0] == "<|user|>"
    )


def test_bad_inputs(tok):
    with pytest.raises(ValueError, match="'bot'"):
        render_chat([{"role": "bot", "content": "x"}])
    with pytest.raises(ValueError, match="비어"):
        render_chat([])
    with pytest.raises(ValueError, match="'user'"):
        tokenize_chat([{"role": "user", "content": "질문"}], tok)
    with pytest.raises(ValueError, match="max_length.*5"):
        tokenize_instruction(
            {"instruction": "아주 긴 지시문입니다", "input": "", "output": "응답"}, tok, max_length=5
        )
    with pytest.raises(ValueError, match="instruction"):
        instruction_to_messages({"instruction": " ", "input": "", "output": "x"})
    with pytest.raises(ValueError, match="비어"):
        collate([], 0)
    with pytest.raises(ValueError, match="lr.*-1"):
        SFTConfig(lr=-1)
    with pytest.raises(ValueError, match="모양"):
        masked_lm_loss(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.long))
