"""노트북 19 의 6절 결과 ``data/multilingual/fake-korean-regimes.json`` 을 만드는 레시피: 가짜 한국어 어휘 확장에서
**무엇을 학습할까** (AMM 식, XPT 식, LoRA, 전체) 를 같은 스텝 수로 비교한다.

출발점은 5절(:mod:`llmnotes.recipes.multilingual_fake`)과 같다. spine ``tiny-ko-llama`` 에 가짜 한국어 BPE 의 새 토큰
5,563개를 붙이고, 새 행은 개발 분할로 고른 WECHSEL 식 초기화 (k=1, τ=1: 정렬된 공간에서 가장 가까운 한국어 토큰의
임베딩을 그대로 가져온다) 로 둔다. 토크나이저와 새 행은 5절 레시피가 저장한 ``data/multilingual/fake-korean/`` 의
파일을 읽고, 학습·시험 문서는 같은 시드로 다시 만든 뒤 5절 결과 파일의 sha256 과 같은지 확인한다.

학습 범위 네 가지 (모두 같은 학습률·배치·스텝·배치 순서, spine 은 출력층이 임베딩과 묶여 있어 임베딩을 학습하면
출력층도 함께 학습된다):

- ``amm``: 토큰 임베딩 행렬 전체(옛 행 포함)만 (Artetxe et al. 2020). 몸통 6층은 얼린다.
- ``xpt``: 새 블록 두 개 (맨 아래: 임베딩 바로 뒤, 맨 위: 마지막 정규화 바로 앞) + 임베딩. 옛 6층은 얼린다. 새 블록은
  잔차로 들어가는 투영(``o_proj``, ``down_proj``)을 0 으로 두어 처음에는 항등 함수다 (XPT 의 "암시적 번역층" 흉내).
- ``lora``: 모든 선형층(q, k, v, o, gate, up, down)에 랭크 8 LoRA (α=16, :mod:`llmnotes.lora`) + 임베딩.
- ``full``: 전부. 5.4절의 WECHSEL 식 곡선과 같은 실행이다 (같은 시드, 같은 배치 순서).

평가: 가짜 한국어 시험 문서 앞 8,193 토큰의 손실 곡선(5.4절과 같은 글)과, 같은 시험 문서의 한국어 원문 앞 8,193 토큰의
손실(망각)을 0스텝과 마지막 스텝에서 (확장한 어휘 전체의 소프트맥스, 그리고 옛 어휘 안에서만 한 소프트맥스:
:func:`old_vocab_loss`). 설정은 모두 5절 값을 그대로 쓰거나 결과를 보기 전에 정했고, 이 결과로 고른
것은 없다. 시험 분할은 이 레시피만 본다 (실제로 두 번 돌린 기록은 데이터시트에).

실행: ``python -m llmnotes.recipes.multilingual_regimes --out data/multilingual/fake-korean-regimes.json``
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

import torch

from .. import multilingual as ml
from ..paths import data_dir, models_dir
from .records import file_sha256, write_json

REGIMES = ("amm", "xpt", "lora", "full")
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class RegimeRecipe:
    """학습 범위 비교 설정. 데이터 설정(문서 수, 시드, 평가 토큰 수)은 5절 레시피
    (:class:`~llmnotes.recipes.multilingual_fake.FakeKoreanRecipe`) 의 기본값을 쓴다.

    Args:
        steps, lr, batch_size, block_size, seed: 추가 사전학습 (5.4절과 같은 값, 네 방법 모두 같다).
        eval_steps: 가짜 한국어 시험 손실을 잴 스텝.
        lora_r, lora_alpha: LoRA 랭크와 α (배율 α/r = 2).
        xpt_layers: XPT 식으로 더할 블록 수 (맨 아래 하나, 맨 위 하나).
    """

    steps: int = 100
    lr: float = 1e-3
    batch_size: int = 8
    block_size: int = 128
    seed: int = 0
    eval_steps: tuple[int, ...] = (0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
    lora_r: int = 8
    lora_alpha: float = 16.0
    xpt_layers: tuple[str, ...] = ("bottom", "top")

    def __post_init__(self) -> None:
        if not isinstance(self.steps, int) or self.steps < 1:
            raise ValueError(f"steps는 1 이상의 정수여야 합니다: {self.steps!r}")
        self.eval_steps = tuple(self.eval_steps)
        bad = [s for s in self.eval_steps if not 0 <= s <= self.steps]
        if bad or 0 not in self.eval_steps or self.steps not in self.eval_steps:
            raise ValueError(
                f"eval_steps는 0과 steps를 포함하고 그 사이여야 합니다 (steps={self.steps}, 받은 값 {self.eval_steps})"
            )
        self.xpt_layers = tuple(self.xpt_layers)
        if not self.xpt_layers or any(p not in ("bottom", "top") for p in self.xpt_layers):
            raise ValueError(f"xpt_layers는 'bottom', 'top'으로 이루어져야 합니다: {self.xpt_layers!r}")


def _identity_block(config: Any, layer: int) -> torch.nn.Module:
    """처음에는 항등 함수인 새 Llama 블록: 잔차로 들어가는 투영 W_o, W_down = 0 이라
    x + Attn(·)·0 + MLP(·)·0 = x. 나머지 선형층은 spine 과 같은 N(0, 0.02²)."""
    from ..llama import Block

    block = Block(config, layer)
    for name, p in block.named_parameters():
        if name.endswith(("o_proj.weight", "down_proj.weight")):
            torch.nn.init.zeros_(p)
        elif p.dim() == 2:
            torch.nn.init.normal_(p, std=0.02)
    return block


def build_regime(regime: str, model: Any, recipe: RegimeRecipe) -> Any:
    """학습 범위를 정한 모델 사본 (``requires_grad`` 로 표시). ``model`` 은 바뀌지 않는다.

    Args:
        regime: ``REGIMES`` 중 하나.
        model: 어휘를 늘린 :class:`~llmnotes.llama.Llama`.
        recipe: LoRA 랭크, XPT 블록 자리, 시드.
    """
    from ..lora import inject_lora

    if regime not in REGIMES:
        raise ValueError(f"regime은 {REGIMES} 중 하나여야 합니다: {regime!r}")
    torch.manual_seed(recipe.seed)  # 새 블록과 LoRA A 의 초기화
    m = copy.deepcopy(model)
    if regime == "full":
        for p in m.parameters():
            p.requires_grad_(True)
        return m
    for p in m.parameters():
        p.requires_grad_(False)
    if regime == "lora":
        inject_lora(m, list(LORA_TARGETS), r=recipe.lora_r, alpha=recipe.lora_alpha)
    if regime == "xpt":
        layers = list(m.layers)
        if "bottom" in recipe.xpt_layers:
            layers.insert(0, _identity_block(m.config, 0))
        if "top" in recipe.xpt_layers:
            layers.append(_identity_block(m.config, len(layers)))
        for i, block in enumerate(layers):
            block.self_attn.layer = i  # KV 캐시 자리 번호를 새 순서로
        m.layers = torch.nn.ModuleList(layers)
    m.embed_tokens.weight.requires_grad_(True)  # 묶인 출력층(lm_head)도 같은 텐서다
    return m


def regime_data() -> dict[str, Any]:
    """5절과 같은 확장 토크나이저, WECHSEL 식 새 행, 학습·시험 토큰열 (5절 결과 파일의 sha256 으로 확인)."""
    from safetensors.torch import load_file

    from ..multilingual import fake as fk
    from .multilingual_fake import FakeKoreanRecipe, split_documents

    folder = data_dir() / "multilingual"
    record = json.loads((folder / "fake-korean-results.json").read_text(encoding="utf-8"))
    fr = FakeKoreanRecipe()
    for key in ("base", "n_docs", "n_eval_docs", "eval_tokens", "block_size", "vocab_size"):
        if record["recipe"][key] != getattr(fr, key):
            raise ValueError(
                f"5절 결과 파일의 recipe.{key}: 기본값과 다릅니다 (파일 {record['recipe'][key]!r}, 기본값 {getattr(fr, key)!r})"
            )
    for name, sha in record["artifacts"].items():
        if file_sha256(folder / "fake-korean" / name) != sha:
            raise ValueError(f"sha256이 5절 결과 파일과 다른 파일: fake-korean/{name}")
    spine_bpe = ml.load_hf_bpe(models_dir() / fr.base)
    tok = fk.NewScriptTokenizer(spine_bpe, ml.load_hf_bpe(folder / "fake-korean"))
    eos = spine_bpe.special_token_id(spine_bpe.special_tokens[0])
    _, fk_src, _, test_src = split_documents(fr)
    fk_docs = [fk.to_fake_korean(t) for t in fk_src]
    fast = spine_bpe.to_hf()

    def stream(texts: list[str], enc) -> torch.Tensor:
        return torch.tensor([i for t in texts for i in (eos, *enc(t))])

    n = fr.eval_tokens + 1
    d = dict(
        tok=tok,
        rows=load_file(str(folder / "fake-korean" / "wechsel_rows.safetensors"))["wechsel"],
        train_ids=torch.tensor([i for s in tok.encode_batch(fk_docs) for i in (eos, *s)]),
        test_ids=stream([fk.to_fake_korean(t) for t in test_src], tok.encode)[:n],
        test_ko_ids=stream(test_src, lambda t: fast.encode(t).ids)[:n],
        record=record,
    )
    got = {
        "fake_docs": hashlib.sha256("\x00".join(fk_docs).encode()).hexdigest(),
        "test_ids": hashlib.sha256(d["test_ids"].numpy().tobytes()).hexdigest(),
    }
    for key, sha in got.items():
        if record["data_sha256"][key] != sha:
            raise ValueError(f"다시 만든 데이터의 sha256이 5절 결과 파일과 다릅니다: {key}")
    return d


@torch.no_grad()
def old_vocab_loss(model: Any, ids: torch.Tensor, block_size: int, n_old: int) -> float:
    """옛 어휘 ``0..n_old-1`` 안에서만 소프트맥스를 한 평균 NLL (nats/토큰). 창은 ``pretrain.evaluate`` 와 같다.

    한국어 글의 정답 토큰은 모두 옛 어휘에 있다. 새 토큰의 로짓을 빼고 재면, 확장 모델의 한국어 손실이 오른 까닭을
    둘로 나눌 수 있다: 새 토큰이 확률을 빼앗아서(출력 경쟁)인지, 옛 토큰끼리의 예측 자체가 나빠져서인지.

        p_old(y | x) = exp(z_y) / Σ_{v < n_old} exp(z_v)

    Args:
        model: 확장한 :class:`~llmnotes.llama.Llama` (또는 그 변형).
        ids: 1차원 토큰열 (모두 ``n_old`` 미만).
        block_size: 창 길이.
        n_old: 옛 어휘 크기.
    """
    if ids.dim() != 1 or ids.numel() < 2:
        raise ValueError(f"ids는 길이 2 이상의 1차원 텐서여야 합니다: shape={tuple(ids.shape)}")
    if int(ids.max()) >= n_old:
        raise ValueError(f"ids에 옛 어휘 밖 id가 있습니다: {int(ids.max())} (n_old={n_old})")
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for start in range(0, ids.numel() - 1, block_size):  # 겹치지 않는 창: 토큰 1..N-1 을 한 번씩 예측
        w = ids[start : start + block_size + 1]
        logits = model(w[None, :-1])[0][0, :, :n_old]  # 새 토큰의 로짓을 뺀다
        total += torch.nn.functional.cross_entropy(logits.float(), w[1:], reduction="sum").item()
        count += w.numel() - 1
    model.train(was_training)
    return total / count


def run_regimes(recipe: RegimeRecipe, progress: bool = True) -> dict[str, Any]:
    """네 학습 범위를 같은 스텝 수로 추가 사전학습하고 학습 가능 파라미터, 손실 곡선, 한국어(망각) 손실을 잰다."""
    from ..llama_hf import load_pretrained as load_llama
    from ..lora import trainable_parameters

    t0 = time.time()
    log = (lambda *a: print(f"[{time.time() - t0:6.0f}s]", *a, flush=True)) if progress else (lambda *a: None)
    d = regime_data()
    base = d["record"]["recipe"]["base"]
    start = ml.extend_llama(load_llama(models_dir() / base), d["rows"])
    bs = recipe.block_size
    korean_base = ml.lm_loss(load_llama(models_dir() / base), d["test_ko_ids"], bs)  # 확장 전 spine
    log("data", d["train_ids"].numel(), "korean (before extension)", korean_base)
    regimes = {}
    for regime in REGIMES:
        m = build_regime(regime, start, recipe)
        count = trainable_parameters(m)
        n_old = d["tok"].base.vocab_size
        korean0 = ml.lm_loss(m, d["test_ko_ids"], bs)
        korean0_old = old_vocab_loss(m, d["test_ko_ids"], bs, n_old)
        hist = ml.further_pretrain(
            m,
            d["train_ids"],
            d["test_ids"],
            steps=recipe.steps,
            lr=recipe.lr,
            batch_size=recipe.batch_size,
            block_size=bs,
            seed=recipe.seed,
            eval_steps=recipe.eval_steps,
        )
        korean = ml.lm_loss(m, d["test_ko_ids"], bs)
        korean_old = old_vocab_loss(m, d["test_ko_ids"], bs, n_old)
        regimes[regime] = dict(
            trainable=count.trainable,
            total=count.total,
            step=hist["step"],
            eval_loss=hist["eval_loss"],
            korean_loss=[korean0, korean],
            korean_loss_old_vocab=[korean0_old, korean_old],
        )
        log(regime, count.trainable, hist["eval_loss"][0], hist["eval_loss"][-1], korean0, korean, korean_old)
    return {
        "format": 1,
        "recipe": asdict(recipe),
        "command": "python -m llmnotes.recipes.multilingual_regimes --out data/multilingual/fake-korean-regimes.json",
        "start": dict(
            init="wechsel",
            wechsel_chosen=d["record"]["wechsel_chosen"],
            artifacts=d["record"]["artifacts"],
            data_sha256=d["record"]["data_sha256"],
        ),
        "base_model_sha256": file_sha256(models_dir() / base / "model.safetensors"),
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "vocab": dict(base=d["tok"].base.vocab_size, extended=d["tok"].vocab_size),
        "tokens": dict(
            fake_train=int(d["train_ids"].numel()),
            test=int(d["test_ids"].numel()),
            test_korean=int(d["test_ko_ids"].numel()),
        ),
        "korean_before_extension": korean_base,
        "regimes": regimes,
        "seconds": round(time.time() - t0),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="노트북 19 6절: 가짜 한국어 확장의 학습 범위 비교")
    parser.add_argument("--out", default="data/multilingual/fake-korean-regimes.json")
    parser.add_argument(
        "--steps", type=int, default=None, help="짧게 시험할 때 (평가 스텝도 그 안으로 줄인다)"
    )
    args = parser.parse_args(argv)
    recipe = RegimeRecipe()
    if args.steps is not None:
        keep = tuple(s for s in recipe.eval_steps if s < args.steps) + (args.steps,)
        recipe = RegimeRecipe(steps=args.steps, eval_steps=keep)
    result = run_regimes(recipe)
    print(f"wrote {write_json(args.out, result).name}")
    return result


if __name__ == "__main__":
    main()
