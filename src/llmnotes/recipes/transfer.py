"""노트북 09 의 레이블 효율 실험 결과 ``data/models/transfer-results.json`` 을 만드는 레시피.

질문: spine 모델(``tiny-ko-llama``)의 사전학습은 레이블이 적을 때 얼마나 도움이 되는가?

실행 (저장소 최상위에서, CPU 한 스레드로 약 7분; 설정은 여러 작업이 나눠 쓰는 2코어 기계의 예산에 맞췄다)::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.transfer --out data/models/transfer-results.json

흐름:

1. **과제 데이터** (:func:`llmnotes.finetune.review_task`): 세계의 제품 리뷰를 새 시드로 만들고, 원문이 사전학습
   말뭉치(spine 레시피의 ``corpus_split`` 으로 다시 만든 train·검증 문서)에 있던 것은 텍스트 해시로 빼고, 레이블을
   그대로 알려 주는 별점 문장을 지운다. 리뷰의 감상 문장('정말 마음에 든다.', '솔직히 실망스럽다.' …)을 두 무리
   A, B 로 나누어 (:func:`llmnotes.finetune.phrasing_halves`), train 풀 / dev / test 는 감상 문장이 모두 A 인 리뷰,
   test_new 는 모두 B 인 리뷰로 채운다 (레이블마다 반씩). B 의 문장은 레이블이 붙은 데이터에는 나오지 않지만 사전학습
   말뭉치의 리뷰에는 A 와 섞여 수없이 나온다.
2. **설정 고르기 (dev)**: 레이블 ``select_n`` 개, 시드 0 에서 사전학습 모델은 선형 탐사(몸통을 얼리고 로지스틱 회귀,
   규제 C)와 전체 미세조정, 처음부터(같은 구조, 무작위 초기화) 모델은 전체 미세조정(학습률)을 풀링(평균·마지막 토큰)마다
   돌려 dev 정확도가 가장 높은 설정을 초기화마다 하나 고른다 (같으면 후보 목록의 앞쪽, 곧 더 싼 것).
3. **레이블 효율 곡선 (test, test_new 를 여기서 한 번)**: 레이블 수 25 / 50 / 100 / 200(train 풀 전체) × 시드
   3개마다 고른 설정으로 학습하고 두 시험 세트의 정확도를 잰다. 시드는 레이블 부분집합, 머리 초기값, (처음부터 모델의)
   몸통 초기값을 바꾼다. 한 번의 학습은 적어도 2 에폭, 적어도 40 스텝 (:func:`epochs_for`).
4. **도메인이 다른 과제**: 프로젝트가 손으로 쓴 구어체 리뷰(``load_reviews``, train 480 / test 120)에서 같은 설정으로
   사전학습 vs 처음부터를 잰다.
5. **망각 측정용 검증 표본** (:func:`llmnotes.finetune.validation_sample`)이 실제 검증 문서에 모두 들어 있는지 확인하고
   해시와 미세조정 전 퍼플렉서티를 기록한다 (노트북이 같은 표본을 싸게 다시 만든다).

결과 파일에는 과제 리뷰 전체(약 1,000개)도 들어 있다: 조건에 맞는 리뷰를 모으려면 수만 개를 만들어야 해서, 노트북은
다시 만들지 않고 이 파일을 읽는다 (해시로 확인).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import resource
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from ..classify import ClassifierTrainConfig, accuracy, encode_dataset, predict, train_classifier
from ..corpora import Document
from ..finetune import (
    POOLINGS,
    LlamaClassifier,
    balanced_subset,
    phrasing_halves,
    pooled_features,
    review_phrasings,
    review_task,
    task_sha256,
    text_sha256,
    validation_sample,
)
from ..llama import Llama
from ..llama_hf import load_pretrained
from ..paths import models_dir
from ..pretrain import evaluate, stream_ids

__all__ = ["TransferConfig", "epochs_for", "run", "main", "load_tokenizer"]


@dataclass
class TransferConfig:
    """레시피 설정 (결과 파일의 ``config`` 로 그대로 기록된다).

    Args:
        model: 사전학습 모델 폴더 (``data/models`` 아래 이름 또는 경로).
        task_seed: 과제 리뷰를 만드는 시드 (사전학습 말뭉치의 시드 ``data_seed·1000 + k`` 와 겹치지 않게).
        sizes: train 풀 / dev / test / test_new 리뷰 수. test_new 만 감상 표현 무리 B, 나머지는 A.
        label_counts: 곡선의 레이블 수 (마지막은 train 풀 전체).
        seeds: 시드들.
        select_n: 설정을 고를 때 쓰는 레이블 수 (시드 0).
        probe_cs: 선형 탐사의 규제 세기 후보 (로지스틱 회귀의 C, 클수록 규제가 약하다).
        pretrained_full: 사전학습 모델 전체 미세조정 후보 ``(풀링, 학습률)`` (기본은 없음: CPU 예산 때문에 레시피에서는
            선형 탐사만 고르고, 전체 미세조정은 노트북의 망각 실험에서 한다).
        scratch_full: 처음부터 모델 학습의 후보 ``(풀링, 학습률)``.
        ood_scratch_seeds: 손으로 쓴 리뷰에서 처음부터 모델을 학습할 시드 (CPU 예산 때문에 하나; 사전학습 모델의
            선형 탐사는 ``seeds`` 전부).
        batch_size: 배치 크기.
        min_steps: 한 번의 학습에서 최소 옵티마이저 스텝 수 (레이블이 적으면 에폭을 늘린다).
        min_epochs: 최소 에폭 수.
        val_generated: 망각 측정용 검증 표본을 고르기 위해 앞에서부터 만들 세계 문서 수.
    """

    model: str = "tiny-ko-llama"
    task_seed: int = 9_001
    sizes: dict[str, int] = field(
        default_factory=lambda: {"train": 200, "dev": 100, "test": 150, "test_new": 150}
    )
    label_counts: tuple[int, ...] = (25, 50, 100, 200)
    seeds: tuple[int, ...] = (0, 1, 2)
    select_n: int = 50
    probe_cs: tuple[float, ...] = (0.1, 1.0, 10.0)
    pretrained_full: tuple[tuple[str, float], ...] = ()
    scratch_full: tuple[tuple[str, float], ...] = (("last", 1e-3), ("last", 3e-3), ("mean", 1e-3))
    ood_scratch_seeds: tuple[int, ...] = (0,)
    batch_size: int = 8
    min_steps: int = 30
    min_epochs: int = 2
    val_generated: int = 3000

    def __post_init__(self) -> None:
        if not self.label_counts or max(self.label_counts) > self.sizes["train"]:
            raise ValueError(f"label_counts는 train 풀 크기 이하여야 합니다: {self.label_counts!r}")
        if not 0 < self.select_n <= self.sizes["train"]:
            raise ValueError(f"select_n은 1 이상 train 풀 크기 이하여야 합니다: {self.select_n!r}")
        if not self.seeds:
            raise ValueError(f"seeds가 비어 있습니다: {self.seeds!r}")


def epochs_for(n: int, cfg: TransferConfig) -> int:
    """레이블 ``n`` 개일 때의 에폭 수: 적어도 ``min_epochs`` 에폭, 적어도 ``min_steps`` 스텝."""
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    return max(cfg.min_epochs, math.ceil(cfg.min_steps / steps_per_epoch))


def load_tokenizer(path: Path):
    """모델 폴더의 ``tokenizer.json`` 을 ``transformers`` 토크나이저로 (네트워크 없이)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def _resolve(model: str) -> Path:
    p = Path(model)
    return p if p.is_dir() else models_dir() / model


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class _Runner:
    """한 번의 학습·평가: 선형 탐사(캐시한 표현 + 로지스틱 회귀) 또는 전체 미세조정."""

    def __init__(self, base: Llama, tok, cfg: TransferConfig) -> None:
        self.base, self.tok, self.cfg = base, tok, cfg
        self.features: dict[int, dict[str, torch.Tensor]] = {}  # id(data) → 풀링 → (N, C)

    def _feats(self, data: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if id(data) not in self.features:
            self.features[id(data)] = pooled_features(self.base, data, POOLINGS)
        return self.features[id(data)]

    def __call__(
        self,
        init: str,
        method: dict[str, Any],
        train: dict[str, torch.Tensor],
        idx: list[int],
        evals: dict[str, dict[str, torch.Tensor]],
        seed: int,
    ) -> dict[str, tuple[float, list[int]]]:
        """평가 세트마다 (정확도, 예측)."""
        out: dict[str, tuple[float, list[int]]] = {}
        if method["kind"] == "probe":
            from sklearn.linear_model import LogisticRegression

            if init != "pretrained":
                raise ValueError(f"선형 탐사는 사전학습 모델에만 씁니다: init={init!r}")
            x_tr = self._feats(train)[method["pooling"]][idx].double().numpy()
            probe = LogisticRegression(C=method["c"], max_iter=5000)
            probe.fit(x_tr, train["labels"][idx].numpy())
            for name, ev in evals.items():
                pred = torch.as_tensor(probe.predict(self._feats(ev)[method["pooling"]].double().numpy()))
                out[name] = (accuracy(ev["labels"], pred), pred.tolist())
            return out
        n = len(idx)
        if init == "pretrained":
            lm = copy.deepcopy(self.base)
        else:
            torch.manual_seed(1000 + seed)  # 처음부터: 같은 구조, 시드마다 다른 무작위 초기화
            lm = Llama(self.base.config)
        torch.manual_seed(seed)  # 분류 머리 초기값
        clf = LlamaClassifier(lm, 2, pooling=method["pooling"], pad_token_id=self.tok.pad_token_id)
        sub = {k: v[idx] for k, v in train.items()}
        t = int(sub["attention_mask"].sum(dim=1).max())
        sub["input_ids"], sub["attention_mask"] = sub["input_ids"][:, :t], sub["attention_mask"][:, :t]
        tc = ClassifierTrainConfig(
            lr=method["lr"], epochs=epochs_for(n, self.cfg), batch_size=self.cfg.batch_size, seed=seed
        )
        train_classifier(clf, sub, tc)
        for name, ev in evals.items():
            pred = predict(clf, ev)
            out[name] = (accuracy(ev["labels"], pred), pred.tolist())
        return out


def _describe(method: dict[str, Any]) -> str:
    if method["kind"] == "probe":
        return f"선형 탐사 ({method['pooling']}, C={method['c']:g})"
    return f"전체 미세조정 ({method['pooling']}, lr={method['lr']:g})"


def run(cfg: TransferConfig, command: str = "", progress: bool = True, allow_stale: bool = False) -> dict:
    """레시피 전체를 실행하고 결과 사전을 돌려준다.

    Args:
        cfg: 설정.
        command: 기록할 실행 명령.
        progress: 진행 상황 출력.
        allow_stale: 다시 만든 사전학습 말뭉치의 해시가 모델 기록과 달라도 계속할지 (개발용 대용 모델에만).
    """
    from ..loaders import load_reviews
    from ..world import build_world
    from .spine import _join, _sha256, corpus_split

    t0, c0 = time.perf_counter(), _cpu_seconds()
    log = (lambda *a: print(*a, flush=True)) if progress else (lambda *a: None)
    path = _resolve(cfg.model)
    spine = json.loads((path / "recipe.json").read_text(encoding="utf-8"))
    sc = spine["config"]

    # 1) 사전학습 말뭉치를 다시 만들어 과제 리뷰가 그 안에 없게 한다
    train_docs, val_docs = corpus_split(sc["corpus_chars"], sc["val_fraction"], sc["data_seed"])
    corpus_ok = (
        _sha256(_join(train_docs)) == spine["data"]["train_sha256"]
        and _sha256(_join(val_docs)) == spine["data"]["validation_sha256"]
    )
    if not corpus_ok and not allow_stale:
        raise ValueError(f"다시 만든 사전학습 말뭉치의 해시가 {path.name}/recipe.json과 다릅니다")
    corpus_hashes = {text_sha256(d.text) for d in train_docs + val_docs}
    world = build_world(sc["data_seed"])
    phrasings = review_phrasings(world)
    group_a, group_b = phrasing_halves(phrasings)
    allowed = {name: (group_b if name == "test_new" else group_a) for name in cfg.sizes}
    task, skipped = review_task(
        world,
        cfg.sizes,
        cfg.task_seed,
        exclude_sha256=corpus_hashes,
        allowed=allowed,
        phrasings=[t for y in phrasings for t in phrasings[y]],
    )
    log(
        f"과제: {', '.join(f'{k} {len(v)}' for k, v in task.items())}, 사전학습 문서와 겹쳐 뺀 리뷰 {len(skipped)}개"
    )

    # 망각 측정용 검증 표본이 정말 검증 문서인지
    sample = validation_sample(sc["data_seed"], sc["val_fraction"], cfg.val_generated)
    val_texts = {d.text for d in val_docs}
    sample_ok = all(t in val_texts for t in sample)
    if not sample_ok and not allow_stale:
        raise ValueError("validation_sample의 문서가 spine 검증 문서에 없습니다")
    del train_docs, val_docs

    # 2) 모델, 토크나이저, 텐서
    torch.set_num_threads(1)
    tok = load_tokenizer(path)
    base = load_pretrained(path)
    max_len = base.config.max_seq_len
    data = {
        k: encode_dataset([t for t, _ in rows], [y for _, y in rows], tok, max_length=max_len)
        for k, rows in task.items()
    }
    hand_train, hand_test = load_reviews("train"), load_reviews("test")
    hand = {
        "train": encode_dataset(
            [r.text for r in hand_train], [r.label for r in hand_train], tok, max_length=max_len
        ),
        "test": encode_dataset(
            [r.text for r in hand_test], [r.label for r in hand_test], tok, max_length=max_len
        ),
    }
    runner = _Runner(base, tok, cfg)
    eos = tok.convert_tokens_to_ids("<|endoftext|>")
    val_ids = stream_ids(
        [Document(f"val-{i}", "", t, "world") for i, t in enumerate(sample)],
        lambda s: tok(s, add_special_tokens=False)["input_ids"],
        eos,
    )
    ppl_before = math.exp(evaluate(base, val_ids, max_len)[0])

    # 3) 설정 고르기 (dev, 시드 0, 레이블 select_n 개)
    labels_train = data["train"]["labels"].tolist()
    idx_sel = balanced_subset(labels_train, cfg.select_n, 0)
    candidates: dict[str, list[dict[str, Any]]] = {
        "pretrained": [{"kind": "probe", "pooling": p, "c": c} for p in POOLINGS for c in cfg.probe_cs]
        + [{"kind": "full", "pooling": p, "lr": lr} for p, lr in cfg.pretrained_full],
        "scratch": [{"kind": "full", "pooling": p, "lr": lr} for p, lr in cfg.scratch_full],
    }
    selection: dict[str, list[dict[str, Any]]] = {}
    chosen: dict[str, dict[str, Any]] = {}
    for init, methods in candidates.items():
        rows = []
        for m in methods:
            acc, _ = runner(init, m, data["train"], idx_sel, {"dev": data["dev"]}, 0)["dev"]
            rows.append({**m, "dev_accuracy": round(acc, 4)})
            log(f"  dev  {init:<10} {_describe(m):<34} {acc:.3f}")
        selection[init] = rows
        best = max(range(len(rows)), key=lambda i: (rows[i]["dev_accuracy"], -i))  # 같으면 앞(싼 것)
        chosen[init] = methods[best]
        log(f"고른 설정 {init}: {_describe(chosen[init])}")

    # 4) 레이블 효율 곡선 (test 를 여기서 한 번 본다)
    tests = [name for name in cfg.sizes if name.startswith("test")]
    curves: dict[str, dict[str, dict[str, list[float]]]] = {t: {init: {} for init in chosen} for t in tests}
    predictions: dict[str, dict[str, list[int]]] = {init: {} for init in chosen}
    for n in cfg.label_counts:
        for init, m in chosen.items():
            for t in tests:
                curves[t][init][str(n)] = []
            for seed in cfg.seeds:
                idx = balanced_subset(labels_train, n, seed)
                res = runner(init, m, data["train"], idx, {t: data[t] for t in tests}, seed)
                for t in tests:
                    curves[t][init][str(n)].append(round(res[t][0], 4))
                    if n == cfg.select_n and seed == cfg.seeds[0]:
                        predictions[init][f"world_{t}_n{n}_seed{seed}"] = res[t][1]
            log(
                f"  n={n:<4} {init:<10} "
                + "  ".join(f"{t} {curves[t][init][str(n)]}" for t in tests)
                + f"  ({_cpu_seconds() - c0:.0f}s CPU)"
            )
    summary: dict[str, dict[str, Any]] = {t: {} for t in tests}
    for t in tests:
        for n in cfg.label_counts:
            row: dict[str, Any] = {}
            for init in chosen:
                a = torch.tensor(curves[t][init][str(n)], dtype=torch.float64)
                row[init] = {"mean": round(float(a.mean()), 4), "std": round(float(a.std(unbiased=True)), 4)}
            row["gain"] = round(row["pretrained"]["mean"] - row["scratch"]["mean"], 4)
            summary[t][str(n)] = row

    # 5) 도메인이 다른 과제: 손으로 쓴 구어체 리뷰 (train 480 전부)
    ood: dict[str, list[float]] = {}
    all_hand = list(range(len(hand_train)))
    for init, m in chosen.items():
        ood[init] = []
        for seed in cfg.seeds if init == "pretrained" else cfg.ood_scratch_seeds:
            acc, pred = runner(init, m, hand["train"], all_hand, {"test": hand["test"]}, seed)["test"]
            ood[init].append(round(acc, 4))
            if seed == 0:
                predictions[init][f"handwritten_test_seed{seed}"] = pred
        log(f"  손글씨 리뷰 {init:<10} {ood[init]}")
    runner.features.clear()

    gains_small = {t: {n: summary[t][str(n)]["gain"] for n in cfg.label_counts if n <= 200} for t in tests}
    return {
        "recipe": "llmnotes.recipes.transfer",
        "command": command,
        "config": asdict(cfg),
        "model": {
            "name": path.name,
            "model_sha256": _sha256((path / "model.safetensors").read_bytes()),
            "n_parameters": base.num_parameters(),
            "max_seq_len": max_len,
        },
        "data": {
            "task": "세계 제품 리뷰 감성 (별점 문장을 지움), llmnotes.finetune.review_task",
            "sizes": {k: len(v) for k, v in task.items()},
            "sha256": {k: task_sha256(v) for k, v in task.items()},
            "phrasings": {"A": sorted(group_a), "B": sorted(group_b)},
            "splits_phrasing": {name: ("B" if name == "test_new" else "A") for name in cfg.sizes},
            "excluded_pretraining_sha256": skipped,
            "corpus_hashes_match_model": corpus_ok,
            "mean_tokens": {
                k: round(float(v["attention_mask"].sum(1).float().mean()), 1) for k, v in data.items()
            },
            "validation_sample": {
                "n_generated": cfg.val_generated,
                "n_docs": len(sample),
                "n_tokens": int(val_ids.numel()),
                "sha256": text_sha256("\n".join(sample)),
                "all_in_spine_validation": sample_ok,
                "perplexity_before": round(ppl_before, 4),
            },
        },
        "selection": {"label_count": cfg.select_n, "seed": 0, "split": "dev", "candidates": selection},
        "chosen": chosen,
        "epochs": {str(n): epochs_for(n, cfg) for n in cfg.label_counts},
        "curves": curves,
        "summary": summary,
        "predictions_test": predictions,
        "handwritten_reviews_test": {
            "n_train": len(hand_train),
            "n_test": len(hand_test),
            "accuracy": ood,
            "mean": {k: round(sum(v) / len(v), 4) for k, v in ood.items()},
        },
        "target": {
            "rule": "사전학습 ≥ 처음부터 + 0.10 (레이블 ≤ 200, 시드 평균)",
            "gain_by_label_count": {t: {str(k): v for k, v in g.items()} for t, g in gains_small.items()},
            "met_at": {t: [n for n, v in g.items() if v >= 0.10] for t, g in gains_small.items()},
        },
        "task": {k: [[t, y] for t, y in v] for k, v in task.items()},
        "environment": {"torch": torch.__version__, "threads": torch.get_num_threads()},
        "cpu_seconds": round(_cpu_seconds() - c0, 1),
        "wall_seconds": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None, base_config: TransferConfig | None = None) -> dict:
    """명령행 진입점. ``base_config`` 를 주면 그 설정에서 ``--model`` 만 바꿔 쓴다 (테스트용 작은 설정)."""
    parser = argparse.ArgumentParser(
        prog="python -m llmnotes.recipes.transfer", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", default="data/models/transfer-results.json")
    parser.add_argument("--model", default=TransferConfig.model)
    parser.add_argument(
        "--allow-stale", action="store_true", help="개발용 대용 모델: 말뭉치 해시가 달라도 계속"
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    cfg = replace(base_config or TransferConfig(), model=args.model)
    result = run(
        cfg,
        command=" ".join(["python -m llmnotes.recipes.transfer", *(argv or sys.argv[1:])]),
        progress=not args.quiet,
        allow_stale=args.allow_stale,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not args.quiet:
        print(f"wrote {out.name} ({result['cpu_seconds']:.0f}s CPU)")
    return result


if __name__ == "__main__":
    main()
