"""레시피: 같은 작은 GPT 를 같은 연산량으로 '더러운' 말뭉치와 '정제한' 말뭉치에서 학습해 비교한다 (노트북 18).

재는 것:

- 깨끗한 검증 텍스트(말뭉치에 넣지 않은 문서)의 글자당 손실(nats), 스텝마다.
- 암기(memorisation): 자주 복제된 문단(hot)과 한 번만 나온 문단(대조군)의 여러 위치에서 앞 32자를 주고 탐욕
  생성한 다음 32자가 원문과 처음부터 몇 글자나 같은지 (길이 k 마다 k자를 글자 그대로 이어 쓴 비율), 그리고 그
  문단들의 글자당 손실.
- 비용: 정제로 줄어든 글자 수, 그리고 정제 말뭉치 모델이 더러운 말뭉치 모델의 최종 검증 손실에 닿은 스텝.

실행 (저장소 최상위에서, CPU 스레드 1개, 몇 분)::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.data_effect --out data/data_effect/results.json

결과 JSON 과 같은 폴더의 ``README.md`` (데이터시트: 레시피, 시드, 설정, 데이터 해시, 파일 해시)를 쓴다.

모델 기반 품질 필터의 점수 (spine 모델의 문서별 글자당 NLL, 개발·본 말뭉치)::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.data_effect \\
        --lm-scores data/models/tiny-ko-llama --out data/data_effect/lm_scores.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..dedup import normalize
from ..dirty import DirtyConfig, build_dirty_corpus
from ..gpt import GPT, GPTConfig
from ..pretrain import evaluate
from ..quality import PipelineConfig, clean_pipeline
from ..scaling import CharVocab

SEP = "\n\n"  # 문서 경계
VERBATIM_LENGTHS = (1, 2, 4, 8, 16, 32)  # 그대로 이어 쓰기를 재는 길이 (글자)


@dataclass
class EffectConfig:
    """실험 설정. 두 모델은 스텝 수·배치·문맥이 같아 학습 연산량(≈ 6·N·D)이 같다.

    Args:
        seeds: 초기화·배치 뽑기 시드들 (시드마다 더러운/정제 한 쌍).
        steps, batch_size, block_size: 학습 스텝, 배치, 문맥 길이 (글자).
        n_layer, n_head, n_embd: 모델 크기.
        lr: 최대 학습률 (선형 예열 5% 뒤 코사인 감쇠로 lr/10 까지).
        eval_every: 검증 손실을 잴 스텝 간격.
        prompt_chars, continue_chars: 암기 시험의 프롬프트 길이와 비교할 이어 쓰기 길이.
        mem_stride: 암기 시험 위치의 간격 (글자).
        dirty_seed: 더러운 말뭉치 시드. 파이프라인 설정은 개발 말뭉치(시드 1)에서 골랐다.
    """

    seeds: tuple[int, ...] = (0, 1)
    steps: int = 500
    batch_size: int = 32
    block_size: int = 64
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 96
    lr: float = 3e-3
    eval_every: int = 50
    prompt_chars: int = 32
    continue_chars: int = 32
    mem_stride: int = 16
    dirty_seed: int = 0
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)

    def __post_init__(self) -> None:
        for name in (
            "steps", "batch_size", "block_size", "n_layer", "n_head", "n_embd", "eval_every",
            "prompt_chars", "continue_chars", "mem_stride",
        ):  # fmt: skip
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")
        if not self.seeds:
            raise ValueError("seeds가 비어 있습니다")


def prepare(cfg: EffectConfig) -> dict[str, Any]:
    """더러운 말뭉치, 정제 말뭉치, 검증 텍스트, 암기 시험 문단을 만든다."""
    docs, heldout = build_dirty_corpus(DirtyConfig(seed=cfg.dirty_seed))
    reference = [t for i, (_, _, t) in enumerate(heldout) if i % 2 == 0]  # 퍼플렉서티 모델용
    validation = [t for i, (_, _, t) in enumerate(heldout) if i % 2 == 1]  # GPT 검증용
    texts = [d.text for d in docs]
    removed = clean_pipeline(texts, reference, cfg.pipeline)
    gone = {i for v in removed.values() for i in v}
    kept = [normalize(t) for i, t in enumerate(texts) if i not in gone]
    dirty = [normalize(t) for t in texts]
    by_id = {d.id: d for d in docs}
    n_copies: dict[str, int] = {}
    for d in docs:
        if d.origin:
            n_copies[d.origin] = n_copies.get(d.origin, 0) + 1
    hot = sorted(o for o, c in n_copies.items() if c >= 10)
    once = [
        d.id
        for d in docs
        if d.kind == "clean" and d.id not in n_copies and d.source in ("bills", "constitution")
        and len(normalize(d.text)) >= 150
    ][: len(hot)]  # fmt: skip
    return {
        "dirty": dirty,
        "clean": kept,
        "validation": [normalize(t) for t in validation],
        "hot": [normalize(by_id[i].text) for i in hot],
        "once": [normalize(by_id[i].text) for i in once],
        "removed": {k: len(v) for k, v in removed.items()},
        "clean_has_once": all(normalize(by_id[i].text) in set(kept) for i in once),
    }


def _lr(step: int, cfg: EffectConfig) -> float:
    warm = max(1, cfg.steps // 20)
    if step < warm:
        return cfg.lr * (step + 1) / warm
    prog = (step - warm) / max(1, cfg.steps - warm)
    return cfg.lr / 10 + 0.5 * (cfg.lr - cfg.lr / 10) * (1 + math.cos(math.pi * prog))


def train_char_gpt(
    train_ids: torch.Tensor, val_ids: torch.Tensor, vocab_size: int, cfg: EffectConfig, seed: int
) -> tuple[GPT, list[tuple[int, float]]]:
    """글자 단위 GPT 를 무작위 창으로 ``cfg.steps`` 스텝 학습하고 (스텝, 검증 손실) 곡선을 돌려준다."""
    torch.manual_seed(seed)
    model = GPT(GPTConfig(vocab_size, cfg.n_layer, cfg.n_head, cfg.n_embd, cfg.block_size, dropout=0.0))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.95), weight_decay=0.1)
    gen = torch.Generator().manual_seed(seed)
    B, T = cfg.batch_size, cfg.block_size
    curve = []
    for step in range(cfg.steps):
        if step % cfg.eval_every == 0:
            curve.append((step, evaluate(model, val_ids, T)[0]))
        for g in opt.param_groups:
            g["lr"] = _lr(step, cfg)
        starts = torch.randint(0, train_ids.numel() - T - 1, (B,), generator=gen)
        x = torch.stack([train_ids[s : s + T] for s in starts.tolist()])
        y = torch.stack([train_ids[s + 1 : s + T + 1] for s in starts.tolist()])
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    curve.append((cfg.steps, evaluate(model, val_ids, T)[0]))
    return model, curve


@torch.no_grad()
def memorisation(model: GPT, vocab: CharVocab, passages: list[str], cfg: EffectConfig) -> dict[str, Any]:
    """문단들에 대한 암기 지표.

    문단 안의 위치를 ``cfg.mem_stride`` 글자 간격으로 옮기며, 앞 ``prompt_chars`` 글자를 주고 ``continue_chars``
    글자를 탐욕 생성한다.

    - ``match``: 위치마다 생성이 원문과 **처음부터 연속으로** 같은 글자 수 m (0 ≤ m ≤ continue_chars).
    - ``verbatim``: 길이 k (:data:`VERBATIM_LENGTHS`) 마다 다음 k 글자를 글자 그대로 이어 쓴 위치의 비율,
      곧 (1/위치 수) Σ [m ≥ k]. k = continue_chars 이면 Carlini et al. (2021) 식의 '통째로 추출'.
    - ``nll``: 문단 전체의 글자당 음의 로그 가능도 (nats). 낮을수록 그 글을 잘 안다.
    """
    model.eval()
    matches = []
    span = cfg.prompt_chars + cfg.continue_chars
    for text in passages:
        for start in range(0, len(text) - span + 1, cfg.mem_stride):
            idx = torch.tensor([vocab.encode(SEP + text[start : start + cfg.prompt_chars])])
            for _ in range(cfg.continue_chars):
                logits, _ = model(idx[:, -cfg.block_size :])
                idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
            out = vocab.decode(idx[0, -cfg.continue_chars :].tolist())
            target = text[start + cfg.prompt_chars : start + span]
            matches.append(
                next((i for i, (a, b) in enumerate(zip(out, target)) if a != b), cfg.continue_chars)
            )
    nll = [evaluate(model, torch.tensor(vocab.encode(SEP + t)), cfg.block_size)[0] for t in passages]
    model.train()
    verbatim = [
        sum(m >= k for m in matches) / len(matches) for k in VERBATIM_LENGTHS if k <= cfg.continue_chars
    ]
    return {"match": matches, "verbatim": verbatim, "nll": sum(nll) / len(nll)}


def run(cfg: EffectConfig, progress: bool = True) -> dict[str, Any]:
    """실험 전체를 돌려 결과 사전을 만든다."""
    torch.set_num_threads(1)
    data = prepare(cfg)
    chars = sorted({c for part in ("dirty", "validation") for t in data[part] for c in t} | set(SEP))
    vocab = CharVocab(chars)

    def ids(texts: list[str]) -> torch.Tensor:
        return torch.tensor(vocab.encode(SEP + SEP.join(texts)))

    streams = {"dirty": ids(data["dirty"]), "clean": ids(data["clean"])}
    val_ids = ids(data["validation"])
    runs = []
    for seed in cfg.seeds:
        for name, stream in streams.items():
            model, curve = train_char_gpt(stream, val_ids, len(vocab), cfg, seed)
            rec = {
                "corpus": name,
                "seed": seed,
                "curve": [[s, round(v, 5)] for s, v in curve],
                "val_loss": round(curve[-1][1], 5),
            }
            for group in ("hot", "once"):
                m = memorisation(model, vocab, data[group], cfg)
                rec[f"match_{group}"] = m["match"]
                rec[f"verbatim_{group}"] = [round(v, 5) for v in m["verbatim"]]
                rec[f"nll_{group}"] = round(m["nll"], 5)
            runs.append(rec)
            if progress:
                print(
                    name,
                    seed,
                    {k: v for k, v in rec.items() if k not in ("curve", "match_hot", "match_once")},
                    flush=True,
                )
    n_params = GPT(
        GPTConfig(len(vocab), cfg.n_layer, cfg.n_head, cfg.n_embd, cfg.block_size)
    ).num_parameters()
    return {
        "config": asdict(cfg),
        "verbatim_lengths": [k for k in VERBATIM_LENGTHS if k <= cfg.continue_chars],
        "vocab_size": len(vocab),
        "n_params": n_params,
        "tokens_per_run": cfg.steps * cfg.batch_size * cfg.block_size,
        "chars": {k: int(v.numel()) for k, v in streams.items()} | {"validation": int(val_ids.numel())},
        "docs": {"dirty": len(data["dirty"]), "clean": len(data["clean"])},
        "removed": data["removed"],
        "n_hot": len(data["hot"]),
        "n_once": len(data["once"]),
        "clean_has_once": data["clean_has_once"],
        "data_sha256": hashlib.sha256("\x00".join(data["dirty"]).encode()).hexdigest(),
        "runs": runs,
    }


def lm_scores(model_path: Path, seeds: tuple[int, ...] = (0, 1)) -> dict[str, Any]:
    """spine 모델로 더러운 말뭉치(시드마다)의 문서별 글자당 NLL 을 잰다 (모델 기반 품질 필터의 점수).

    시드 1 은 개발 말뭉치(문턱값 고르기), 시드 0 은 본 말뭉치(한 번 평가)이다.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..quality import lm_char_nll

    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).eval()
    out: dict[str, Any] = {
        "model": str(model_path),
        "model_sha256": hashlib.sha256((model_path / "model.safetensors").read_bytes()).hexdigest(),
        "unit": "nats/글자 (quality.lm_char_nll)",
        "context": model.config.max_position_embeddings,
    }
    for seed in seeds:
        docs, _ = build_dirty_corpus(DirtyConfig(seed=seed))
        out[f"seed{seed}"] = {
            "data_sha256": hashlib.sha256("\x00".join(d.text for d in docs).encode()).hexdigest(),
            "nll": [round(lm_char_nll(model, tok, d.text), 5) for d in docs],
        }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="결과 JSON 경로")
    p.add_argument("--steps", type=int, default=EffectConfig.steps)
    p.add_argument(
        "--datasheet-only", action="store_true", help="학습 없이 기존 결과 JSON 에서 데이터시트만 다시 쓴다"
    )
    p.add_argument(
        "--lm-scores",
        metavar="MODEL_DIR",
        help="학습 대신 이 모델(예: data/models/tiny-ko-llama)로 문서별 글자당 NLL 을 재어 --out 에 쓴다",
    )
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.lm_scores:
        result = lm_scores(Path(args.lm_scores))
        result["command"] = "python -m llmnotes.recipes.data_effect " + " ".join(argv or sys.argv[1:])
        result["versions"] = {"python": platform.python_version(), "torch": torch.__version__}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")
        return result
    if args.datasheet_only:
        result = json.loads(out.read_text(encoding="utf-8"))
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        (out.parent / "README.md").write_text(_datasheet(result, out.name, digest), encoding="utf-8")
        return result
    cfg = EffectConfig(steps=args.steps)
    result = run(cfg)
    out.parent.mkdir(parents=True, exist_ok=True)
    result["command"] = "python -m llmnotes.recipes.data_effect " + " ".join(argv or sys.argv[1:])
    result["versions"] = {"python": platform.python_version(), "torch": torch.__version__}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    (out.parent / "README.md").write_text(_datasheet(result, out.name, digest), encoding="utf-8")
    return result


def _datasheet(r: dict[str, Any], name: str, digest: str) -> str:
    by = {(x["corpus"], x["seed"]): x for x in r["runs"]}
    lines = [
        "# 더러운 vs 정제 말뭉치 학습 결과 (노트북 18)",
        "",
        f"- 레시피: `PYTHONHASHSEED=0 OMP_NUM_THREADS=1 {r['command']}` (`src/llmnotes/recipes/data_effect.py`)",
        f"- 파일: `{name}`, sha256 `{digest}`",
        f"- 데이터: `llmnotes.dirty.build_dirty_corpus(DirtyConfig(seed={r['config']['dirty_seed']}))`, "
        f"더러운 말뭉치 sha256 `{r['data_sha256']}`",
        f"- 문서 수: 더러운 {r['docs']['dirty']}, 정제 {r['docs']['clean']} (단계별 제거 {r['removed']})",
        f"- 글자 수: {r['chars']}",
        f"- 모델: 글자 단위 GPT (`llmnotes.gpt.GPT`), 파라미터 {r['n_params']:,}개, "
        f"설정 {{n_layer: {r['config']['n_layer']}, n_head: {r['config']['n_head']}, "
        f"n_embd: {r['config']['n_embd']}, block_size: {r['config']['block_size']}}}",
        f"- 연산량: 실행마다 {r['config']['steps']} 스텝 × {r['config']['batch_size']} × "
        f"{r['config']['block_size']} = {r['tokens_per_run']:,} 글자 (두 말뭉치 같음). 학습 시드(초기화·배치 순서) {r['config']['seeds']}",
        "- 검증: 말뭉치에 넣지 않은 깨끗한 문서의 홀수 번째 절반 (짝수 번째 절반은 퍼플렉서티 필터의 참조 텍스트)."
        " 파이프라인 설정(퍼플렉서티 문턱, 유사 중복 문턱 t, LSH (b, r))은 개발 말뭉치(시드 1)에서 전체 파이프라인의 F1 로"
        " 골랐고 (`llmnotes.quality.PipelineConfig`), 이 말뭉치(시드 0)의 결과는 한 번 보았다.",
        "",
        f"- 암기: 자주 복제된 문단(hot, 원본 + 사본 20개, {r['n_hot']}개)과 한 번만 나온 문단(once, 같은 출처·길이, "
        f"{r['n_once']}개)에서 {r['config']['mem_stride']}자 간격의 위치마다 앞 {r['config']['prompt_chars']}자를 주고"
        f" {r['config']['continue_chars']}자를 탐욕 생성해, 원문과 처음부터 연속으로 같은 글자 수 m 을 센다 (`match_*`)."
        " `verbatim_*` 는 길이 k 마다 다음 k자를 글자 그대로 이어 쓴 위치의 비율 P(m ≥ k)"
        f" (k = {r['verbatim_lengths']}), nll 은 그 문단들의 글자당 손실.",
        "- 지표의 내력: 처음에는 32자를 통째로 이어 쓴 비율(k = 32)만 쟀는데, 이 작은 모델에서는 모든 실행에서 0 이라"
        " 복제의 효과를 보여 주지 못했다. 그래서 k 를 1–32 로 넓혀 곡선으로 본다 (k = 32 값도 표에 그대로 남긴다).",
        "",
        "| 말뭉치 | 학습 시드 | 검증 손실 (nats/글자) | 위치 수 hot/once | P(m ≥ 8) hot | P(m ≥ 8) once "
        "| P(m ≥ 32) hot | nll hot | nll once |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    k8 = r["verbatim_lengths"].index(8)
    for (c, s), x in sorted(by.items()):
        lines.append(
            f"| {c} | {s} | {x['val_loss']:.4f} | {len(x['match_hot'])}/{len(x['match_once'])} "
            f"| {x['verbatim_hot'][k8]:.3f} | {x['verbatim_once'][k8]:.3f} | {x['verbatim_hot'][-1]:.3f} "
            f"| {x['nll_hot']:.3f} | {x['nll_once']:.3f} |"
        )
    lines += ["", f"- 환경: {r['versions']}", "- 라이선스: 프로젝트와 같음 (MIT).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
