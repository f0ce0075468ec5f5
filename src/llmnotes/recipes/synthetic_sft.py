"""레시피: 합성 지시 데이터가 SFT 에 주는 효과 (노트북 18, 8절).

같은 사전학습 모델(spine 모델 ``tiny-ko-llama``)을 같은 설정, **같은 최적화 스텝 수**로 조건마다 지도 미세조정(SFT)한다
(데이터가 적은 조건은 같은 예를 더 여러 번 본다: 같은 연산량 비교).

- (a) ``base``: 손으로 쓴 작은 지시 데이터 (``data/instructions`` 학습 분할 가운데
  ``data/scripts/instructions_src/handwritten.tsv`` 에서 온 것).
- (b) ``raw``: (a) + 생성기가 만든 합성 '글 읽고 답하기' 데이터 전부 (실수 포함, :func:`llmnotes.synthetic.generate_qa`).
- (c) ``filtered``: (a) + 같은 합성 데이터를 :func:`llmnotes.synthetic.filter_qa` 로 거른 것.
- (d) ``clean``: (a) + 같은 합성 데이터 가운데 기록된 실수가 없는 것만 (정답을 아는 '완벽한 거르기', 상한 참고용).

평가 (모두 학습에 쓰지 않은 데이터):

- 글 읽기 시험: 사전학습에 나오지 않은 개체의 절반(``heldout_test``)으로 만든 깨끗한 문제. 나머지 절반
  (``heldout_dev``)으로 만든 개발 문제는 시험과 나란히 두는 두 번째
  표본이다 (두 절반은 개체가 겹치지 않는다). 본 실험(``results.json``)의 설정은 미리 정했고 개발 문제로 고른 것은 없다;
  후보 설정을 고를 때는 ``--dev-only`` 로 개발 문제만 평가하고, 고른 설정만 시험 분할에서 한 번 잰다 (``varied.json``). 탐욕 생성한 응답에서
  꺼낸 답이 정답과 글자까지 같은 비율(EM), 틀린 답의 종류(글의 다른 값 / 글에 없는 값 / 형식 어긋남), 정답 응답의 토큰당
  음의 로그 가능도(NLL).
- 지시 데이터 시험 분할: 정답 응답의 토큰당 NLL (다른 과제를 잊지 않았는가).

실행 (저장소 최상위에서, CPU 스레드 1개)::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.synthetic_sft --out data/synthetic_sft/results.json

결과 JSON 과 같은 폴더의 ``README.md`` (데이터시트)를 쓴다.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import shlex
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from .. import sft
from ..loaders import load_instructions
from ..paths import data_dir, models_dir
from ..synthetic import QAExample, answer_of, filter_qa, generate_qa

CONDITIONS = ("base", "raw", "filtered", "clean")


@dataclass
class SyntheticSFTConfig:
    """실험 설정.

    Args:
        model: 출발 모델 폴더 (HF ``LlamaForCausalLM`` 형식). 빈 문자열이면 ``data/models/tiny-ko-llama``.
        n_synthetic: 만들 합성 예 수.
        noise: 합성 생성기의 실수 비율.
        gen_seed: 합성 생성 시드.
        near_threshold: 거르기의 유사 중복 자카드 하한 (:func:`llmnotes.synthetic.filter_qa`).
        counterfactual: 참이면 합성 학습 글의 값을 기억과 다른 값으로 바꾼다 (``generate_qa(counterfactual=True)``).
        n_test: 글 읽기 시험 문제 수 (사전학습에 없는 개체 가운데 시험용 절반).
        test_seed: 시험 문제 생성 시드.
        n_dev: 글 읽기 개발 문제 수 (사전학습에 없는 개체 가운데 개발용 절반).
        dev_seed: 개발 문제 생성 시드.
        seeds: SFT 시드들 (섞는 순서).
        steps, batch_size, lr, warmup_steps: SFT 설정 (모든 조건이 같다: 같은 스텝 × 같은 배치).
        max_new_tokens: 시험 응답 생성 길이 상한.
        eval_test: 거짓이면 개발 문제만 평가한다 (후보를 개발 분할로 고를 때; 시험 분할은 고른 설정에서 한 번만).
    """

    model: str = ""
    n_synthetic: int = 400
    noise: float = 0.4
    gen_seed: int = 0
    near_threshold: float = 0.8
    counterfactual: bool = False
    n_test: int = 120
    test_seed: int = 1
    n_dev: int = 60
    dev_seed: int = 2
    seeds: tuple[int, ...] = (0,)
    steps: int = 96
    batch_size: int = 16
    lr: float = 1e-3
    warmup_steps: int = 10
    max_new_tokens: int = 16
    conditions: tuple[str, ...] = CONDITIONS
    eval_test: bool = True

    def __post_init__(self) -> None:
        for name in ("n_synthetic", "n_test", "n_dev", "steps", "batch_size", "max_new_tokens"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")
        if not self.seeds:
            raise ValueError("seeds가 비어 있습니다")
        bad = [c for c in self.conditions if c not in CONDITIONS]
        if bad or not self.conditions:
            raise ValueError(f"conditions는 {CONDITIONS} 가운데에서 골라야 합니다: {self.conditions!r}")

    @property
    def model_path(self) -> Path:
        return Path(self.model) if self.model else models_dir() / "tiny-ko-llama"


def handwritten(split: str) -> list[Any]:
    """지시 데이터 가운데 손으로 쓴 항목 (``handwritten.tsv`` 의 (지시, 입력) 쌍과 같은 것)."""
    path = data_dir() / "scripts" / "instructions_src" / "handwritten.tsv"
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            _, ins, inp, _ = line.split("\t")
            keys.add(
                (unicodedata.normalize("NFC", ins), "" if inp == "-" else unicodedata.normalize("NFC", inp))
            )
    return [x for x in load_instructions(split) if (x.instruction, x.input) in keys]


def datasets(cfg: SyntheticSFTConfig) -> dict[str, Any]:
    """조건별 학습 데이터와 개발·시험 데이터를 만든다."""
    base = handwritten("train")
    synthetic = generate_qa(
        cfg.n_synthetic, seed=cfg.gen_seed, noise=cfg.noise, counterfactual=cfg.counterfactual
    )
    removed = filter_qa(synthetic, near_threshold=cfg.near_threshold)
    gone = {i for v in removed.values() for i in v}
    filtered = [e for i, e in enumerate(synthetic) if i not in gone]
    clean = [e for e in synthetic if not e.defect]  # 정답(기록된 실수)을 써서 거른 것: 상한 참고용
    return {
        "train": {
            "base": list(base),
            "raw": list(base) + synthetic,
            "filtered": list(base) + filtered,
            "clean": list(base) + clean,
        },
        "synthetic": synthetic,
        "removed": removed,
        "dev_qa": generate_qa(cfg.n_dev, seed=cfg.dev_seed, noise=0.0, split="heldout_dev"),
        "test_qa": generate_qa(cfg.n_test, seed=cfg.test_seed, noise=0.0, split="heldout_test"),
        "test_instructions": load_instructions("test"),
    }


def schedule(n_examples: int, steps: int, batch_size: int, seed: int) -> list[int]:
    """같은 스텝 수를 위한 학습 순서: 예 번호를 에폭마다 섞어 이어 붙이고 ``steps × batch_size`` 개에서 자른다.

    데이터가 적은 조건은 같은 예를 더 여러 번 보게 되고, 각 예가 나오는 횟수의 차이는 많아야 1이다.
    """
    if n_examples < 1:
        raise ValueError(f"n_examples는 1 이상이어야 합니다: {n_examples!r}")
    rng = random.Random(seed)
    order: list[int] = []
    while len(order) < steps * batch_size:
        epoch = list(range(n_examples))
        rng.shuffle(epoch)
        order += epoch
    return order[: steps * batch_size]


def load_base(path: Path) -> tuple[Any, Any]:
    """출발 모델과 토크나이저를 읽고 대화 특수 토큰을 넣는다."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    sft.add_chat_tokens(tok, model)
    return model, tok


def pad_id(tok: Any) -> int:
    return tok.pad_token_id if tok.pad_token_id is not None else tok.convert_tokens_to_ids(sft.EOS)


@torch.no_grad()
def mean_nll(model: Any, tok: Any, examples: list[Any]) -> float:
    """정답 응답 토큰의 평균 음의 로그 가능도 (nats/토큰, 모든 예의 응답 토큰을 모아 평균)."""
    model.eval()
    total, count = 0.0, 0
    for ex in examples:
        b = sft.collate([sft.tokenize_instruction(ex, tok)], pad_id(tok))
        logits = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits
        n = int((b["labels"][:, 1:] != sft.IGNORE_INDEX).sum())
        total += float(sft.masked_lm_loss(logits, b["labels"])) * n
        count += n
    return total / count


@torch.no_grad()
def answer(model: Any, tok: Any, ex: QAExample, max_new_tokens: int) -> str:
    """탐욕 생성으로 응답을 만든다 (``<|endoftext|>`` 에서 멈춤)."""
    msgs = sft.instruction_to_messages(ex)[:-1]
    ids = tok(
        sft.render_chat(msgs, add_generation_prompt=True), return_tensors="pt", add_special_tokens=False
    )
    eos = tok.convert_tokens_to_ids(sft.EOS)
    out = model.generate(
        **ids, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=eos, pad_token_id=pad_id(tok)
    )
    return tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)


def judge(ex: QAExample, response: str) -> str:
    """응답 분류: 'correct' (답이 정답과 같음), 'other_span' (글의 다른 값), 'not_in_text' (글에 없는 값),
    'format' ('…입니다' 꼴이 아니거나 비어 있음)."""
    ans = answer_of(response)
    if "입니다" not in response or not ans:
        return "format"
    if ans == ex.answer:
        return "correct"
    return "other_span" if ans in ex.input.split("질문:")[0] else "not_in_text"


def char_f1(pred: str, gold: str) -> float:
    """글자 F1 (SQuAD 의 낱말 F1 을 글자로): 겹치는 글자 수(중복 포함) c 에 대해 2c / (|pred| + |gold|)."""
    common = sum((Counter(pred) & Counter(gold)).values())
    return 2 * common / (len(pred) + len(gold)) if pred or gold else 1.0


def reading_scores(model: Any, tok: Any, questions: list[QAExample], max_new_tokens: int) -> dict[str, Any]:
    """글 읽기 문제의 EM, 글자 F1, 응답 분류, 응답."""
    responses = [answer(model, tok, ex, max_new_tokens) for ex in questions]
    kinds = [judge(ex, r) for ex, r in zip(questions, responses)]
    count = Counter(kinds)
    return {
        "em": count["correct"] / len(kinds),
        "f1": sum(char_f1(answer_of(r), ex.answer) for ex, r in zip(questions, responses)) / len(kinds),
        "judged": {k: count[k] for k in ("correct", "other_span", "not_in_text", "format")},
        "responses": responses,
    }


def evaluate(model: Any, tok: Any, data: dict[str, Any], cfg: SyntheticSFTConfig) -> dict[str, Any]:
    """시험 지표 (최상위) + 개발 지표 (``dev``). ``cfg.eval_test`` 가 거짓이면 개발 지표만 (시험 분할은 보지 않는다);
    이때 개발 지표에 정답 응답 NLL 과 응답도 넣는다 (고르기 규칙의 동점 처리와 다시 세기용)."""
    dev = reading_scores(model, tok, data["dev_qa"], cfg.max_new_tokens)
    dev_rec = {"em": round(dev["em"], 5), "f1": round(dev["f1"], 5), "judged": dev["judged"]}
    if not cfg.eval_test:
        dev_rec["nll_qa"] = round(mean_nll(model, tok, data["dev_qa"]), 5)
        return {"dev": dev_rec | {"responses": dev["responses"]}}
    return reading_scores(model, tok, data["test_qa"], cfg.max_new_tokens) | {
        "nll_qa": mean_nll(model, tok, data["test_qa"]),
        "nll_instructions": mean_nll(model, tok, data["test_instructions"]),
        "dev": dev_rec,
    }


def run(cfg: SyntheticSFTConfig, progress: bool = True, before_sft: bool = True) -> dict[str, Any]:
    """실험 전체. ``before_sft=False`` 면 SFT 전 모델의 평가를 건너뛴다 (조건을 나눠 따로 돌릴 때)."""
    torch.set_num_threads(1)
    data = datasets(cfg)
    runs = []
    model0, tok = load_base(cfg.model_path)
    before = evaluate(model0, tok, data, cfg) if before_sft else None
    for seed in cfg.seeds:
        for cond in cfg.conditions:
            t0 = time.time()
            model, tok = load_base(cfg.model_path)
            examples = [sft.tokenize_instruction(ex, tok) for ex in data["train"][cond]]
            order = schedule(len(examples), cfg.steps, cfg.batch_size, seed)
            stream = [
                examples[i] for i in order
            ]  # steps × batch 개: 한 에폭으로 섞어 학습 = 정확히 steps 스텝
            losses = sft.train_sft(
                model,
                stream,
                pad_id(tok),
                sft.SFTConfig(
                    lr=cfg.lr,
                    epochs=1,
                    batch_size=cfg.batch_size,
                    seed=seed,
                    warmup_steps=cfg.warmup_steps,
                    progress=False,
                ),
            )
            rec = {"condition": cond, "seed": seed, "n_train": len(examples), "steps": len(losses)}
            rec["train_tokens"] = sum(len(e["input_ids"]) for e in stream)
            rec["passes"] = round(len(stream) / len(examples), 3)  # 한 예를 평균 몇 번 보았나
            rec |= evaluate(model, tok, data, cfg)
            rec["final_train_loss"] = round(sum(losses[-10:]) / len(losses[-10:]), 5)
            rec["seconds"] = round(time.time() - t0, 1)
            for k in ("em", "f1", "nll_qa", "nll_instructions"):
                if k in rec:  # 개발 분할만 평가한 실행에는 시험 지표가 없다
                    rec[k] = round(rec[k], 5)
            runs.append(rec)
            if progress:
                print({k: v for k, v in rec.items() if k != "responses"}, flush=True)
    syn = data["synthetic"]
    return {
        "config": asdict(cfg) | {"model": str(cfg.model or "data/models/tiny-ko-llama")},
        "model_sha256": hashlib.sha256((cfg.model_path / "model.safetensors").read_bytes()).hexdigest(),
        "synthetic_defects": dict(Counter(e.defect or "ok" for e in syn)),
        "removed": {k: len(v) for k, v in data["removed"].items()},
        "removed_defects": {
            k: dict(Counter(syn[i].defect or "ok" for i in v)) for k, v in data["removed"].items()
        },
        "n_train": {c: len(v) for c, v in data["train"].items()},
        "n_test_qa": len(data["test_qa"]),
        "n_dev_qa": len(data["dev_qa"]),
        "n_test_instructions": len(data["test_instructions"]),
        "test_qa": [{"input": e.input, "answer": e.answer} for e in data["test_qa"]],
        **(
            {}
            if cfg.eval_test
            else {"dev_qa": [{"input": e.input, "answer": e.answer} for e in data["dev_qa"]]}
        ),
        "before_sft": {k: (round(v, 5) if isinstance(v, float) else v) for k, v in before.items()}
        if before
        else None,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="결과 JSON 경로")
    p.add_argument("--model", default="", help="출발 모델 폴더 (기본 data/models/tiny-ko-llama)")
    p.add_argument("--seeds", default="0", help="SFT 시드들 (쉼표로)")
    p.add_argument("--n-synthetic", type=int, default=SyntheticSFTConfig.n_synthetic)
    p.add_argument("--n-test", type=int, default=SyntheticSFTConfig.n_test)
    p.add_argument("--steps", type=int, default=SyntheticSFTConfig.steps)
    p.add_argument("--near-threshold", type=float, default=SyntheticSFTConfig.near_threshold)
    p.add_argument("--noise", type=float, default=SyntheticSFTConfig.noise)
    p.add_argument("--lr", type=float, default=SyntheticSFTConfig.lr)
    p.add_argument("--conditions", default=",".join(CONDITIONS))
    p.add_argument("--counterfactual", action="store_true", help="합성 학습 글의 값을 기억과 다른 값으로")
    p.add_argument("--skip-before", action="store_true", help="SFT 전 모델의 평가를 건너뛴다")
    p.add_argument("--datasheet", default="README.md", help="결과 JSON 옆에 쓸 데이터시트 파일 이름")
    p.add_argument(
        "--dev-only", action="store_true", help="개발 문제만 평가한다 (후보 고르기; 시험 분할은 보지 않음)"
    )
    p.add_argument(
        "--note", default="", help="결과 JSON 과 데이터시트에 남길 해석·내력 (미리 정한 고르기 규칙 등)"
    )
    p.add_argument("--datasheet-only", action="store_true", help="결과 JSON 에서 데이터시트만 다시 쓴다")
    args = p.parse_args(argv)
    if args.datasheet_only:
        write_datasheet(Path(args.out), args.datasheet)
        return json.loads(Path(args.out).read_text(encoding="utf-8"))
    cfg = SyntheticSFTConfig(
        model=args.model,
        seeds=tuple(int(s) for s in args.seeds.split(",")),
        n_synthetic=args.n_synthetic,
        n_test=args.n_test,
        steps=args.steps,
        near_threshold=args.near_threshold,
        noise=args.noise,
        counterfactual=args.counterfactual,
        lr=args.lr,
        conditions=tuple(args.conditions.split(",")),
        eval_test=not args.dev_only,
    )
    if args.dev_only and not args.skip_before:
        raise ValueError("--dev-only는 --skip-before와 함께 써야 합니다 (SFT 전 평가는 시험 분할을 본다)")
    t0 = time.time()
    result = run(cfg, before_sft=not args.skip_before)
    result["seconds"] = round(time.time() - t0, 1)
    result["command"] = "python -m llmnotes.recipes.synthetic_sft " + shlex.join(argv or sys.argv[1:])
    if args.note:
        result["note"] = args.note
    import transformers

    result["versions"] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_datasheet(out, args.datasheet)
    return result


NAMES = {
    "base": "(a) 손으로 쓴 것만",
    "raw": "(b) + 합성 전부",
    "filtered": "(c) + 거른 합성",
    "clean": "(d) + 실수 없는 합성",
}


def _datasheet(r: dict[str, Any], name: str, digest: str) -> str:
    c = r["config"]
    lines = [
        "# 합성 지시 데이터와 SFT 효과 (노트북 18, 8.2절)",
        "",
        f"- 레시피: `PYTHONHASHSEED=0 OMP_NUM_THREADS=1 {r['command']}` (`src/llmnotes/recipes/synthetic_sft.py`)",
        f"- 파일: `{name}`, sha256 `{digest}`",
        f"- 출발 모델: `{c['model']}` (model.safetensors sha256 `{r['model_sha256']}`)",
        f"- 지시 데이터 (a): `data/instructions` 학습 분할 가운데 손으로 쓴 {r['n_train']['base']}개"
        " (`data/scripts/instructions_src/handwritten.tsv`, 요약·분류·고쳐 쓰기 등; 글 읽기 문제는 없다).",
        f"- 합성 데이터: `llmnotes.synthetic.generate_qa({c['n_synthetic']}, seed={c['gen_seed']}, noise={c['noise']}"
        f"{', counterfactual=True' if c.get('counterfactual') else ''})`"
        " (세계 `build_world(seed=0)`의 사전학습 개체"
        f"{'; 글의 값을 모두 같은 관계의 다른 개체 값으로 바꿔 기억으로는 답할 수 없게 함' if c.get('counterfactual') else ''}),"
        f" 실수 종류 {r['synthetic_defects']}.",
        f"- 거르기 `filter_qa(near_threshold={c['near_threshold']})`: 단계별 제거 {r['removed']};"
        f" 단계별로 지운 예의 실제 종류 {r['removed_defects']}.",
        f"- 학습 예 수: {r['n_train']}. (d)는 기록된 정답으로 실수를 모두 뺀 것으로, 실제로는 할 수 없는 '완벽한 거르기'이며 비교 기준으로만 쓴다.",
        f"- SFT: 전체 미세조정, AdamW lr {c['lr']}, 예열 {c['warmup_steps']} 스텝, 배치 {c['batch_size']},"
        f" **모든 조건 {c['steps']} 스텝** (이 실행의 조건끼리 같은 연산량; 예를 에폭마다 섞어 이어 붙여 스텝 × 배치 개를 채운다,"
        f" `schedule`), 시드 {c['seeds']}.",
        f"- 시험: 사전학습에 없는 개체의 시험용 절반으로 만든 깨끗한 글 읽기 문제 {r['n_test_qa']}개"
        f" (`generate_qa({c['n_test']}, seed={c['test_seed']}, noise=0, split='heldout_test')`),"
        f" 지시 데이터 시험 분할 {r['n_test_instructions']}개. 개발: 나머지 절반의 개체로 {r['n_dev_qa']}개"
        f" (`generate_qa({c['n_dev']}, seed={c['dev_seed']}, noise=0, split='heldout_dev')`). 두 절반은 개체가 겹치지 않는다.",
        "- 채점: 탐욕 생성 응답의 '입니다' 앞이 정답과 글자까지 같으면 정답 (EM). 틀린 응답은 글의 다른 값 / 글에 없는 값 /"
        " 형식 어긋남('…입니다' 꼴이 아님)으로 나눈다. NLL은 정답 응답 토큰의 평균 음의 로그 가능도 (nats/토큰).",
        "",
        "| 조건 | 시드 | 학습 예 | 스텝 | 예당 반복 | 시험 EM | 맞음/다른 값/없는 값/형식 | 개발 EM | NLL 글 읽기 | NLL 지시 시험 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    b = r["before_sft"]
    if b:
        lines.append(
            f"| SFT 전 | - | 0 | 0 | - | {b['em']:.3f} | {'/'.join(str(v) for v in b['judged'].values())} "
            f"| {b['dev']['em']:.3f} | {b['nll_qa']:.3f} | {b['nll_instructions']:.3f} |"
        )
    for x in r["runs"]:
        if "em" not in x:  # 개발 분할만 평가한 후보: 시험 칸은 비우고 NLL 은 개발 문제의 것
            lines.append(
                f"| {NAMES[x['condition']]} | {x['seed']} | {x['n_train']} | {x['steps']} | {x['passes']:.2f} | (보지 않음) "
                f"| (보지 않음) | {x['dev']['em']:.3f} ({'/'.join(str(v) for v in x['dev']['judged'].values())})"
                f" | 개발 {x['dev']['nll_qa']:.3f} | - |"
            )
            continue
        lines.append(
            f"| {NAMES[x['condition']]} | {x['seed']} | {x['n_train']} | {x['steps']} | {x['passes']:.2f} | {x['em']:.3f} "
            f"| {'/'.join(str(v) for v in x['judged'].values())} | {x['dev']['em']:.3f} | {x['nll_qa']:.3f}"
            f" | {x['nll_instructions']:.3f} |"
        )
    lines += [
        "",
        *(
            [
                "- 이 실행은 개발 문제만 평가했다 (`--dev-only`): 시험 분할은 보지 않았고, NLL 칸은 개발 문제의 정답 응답 NLL이다."
            ]
            if not c.get("eval_test", True)
            else []
        ),
        f"- 환경: {r['versions']}, CPU 스레드 1, 전체 {r['seconds']} 초, 실행별 {[x['seconds'] for x in r['runs']]} 초"
        " (다른 작업과 나눠 쓴 2코어 기계의 벽시계).",
        *([f"- 해석과 내력: {r['note']}"] if r.get("note") else []),
        "- 라이선스: 프로젝트와 같음 (MIT).",
        "",
    ]
    return "\n".join(lines)


def write_datasheet(out: Path, name: str = "README.md") -> None:
    """이미 있는 결과 JSON 에서 같은 폴더의 데이터시트 ``name`` 을 다시 쓴다 (레시피를 다시 돌리지 않고)."""
    result = json.loads(out.read_text(encoding="utf-8"))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    (out.parent / name).write_text(_datasheet(result, out.name, digest), encoding="utf-8")


if __name__ == "__main__":
    main()
