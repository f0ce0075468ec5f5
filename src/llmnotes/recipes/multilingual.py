"""노트북 19 의 어휘 확장 실험 결과 ``data/multilingual/extension-results.json`` 을 만드는 레시피.

실험 (노트북 19 5.5절의 곁가지, 한국어 ``tiny-ko-gpt`` 에서 출발해 병렬 말뭉치의 영어 문장으로 추가 사전학습):
새 영어 단어 토큰의 임베딩을 무작위 / 옛 하위 조각 평균 / WECHSEL 식으로 두고 전체 미세조정.
(학습 범위 비교 AMM·XPT·LoRA·전체는 가짜 한국어 확장에서 한다: :mod:`llmnotes.recipes.multilingual_regimes`.)

평가 손실은 시험 분할(영어 40문장)에서 잰다. 설정(학습률 2e-3, 배치 8, 단계 100)은 학습 분할 안의 개발 문장
(학습 문장 8개마다 하나)으로 한 번 돌려 보고 정했고, 시험 분할은 이 레시피에서만 본다.

실행: ``python -m llmnotes.recipes.multilingual --out data/multilingual/extension-results.json``
(``--transfer``: 교차언어 전이 실험, ``--fake``: 가짜 한국어 실험 :mod:`llmnotes.recipes.multilingual_fake`)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import multilingual as ml
from ..gpt import GPT, load_pretrained
from ..paths import data_dir, models_dir
from ..word2vec import WordVectors
from .records import file_sha256, write_json

INITS = ("random", "mean", "wechsel")


@dataclass
class ExtensionRecipe:
    """레시피 설정.

    Args:
        base: ``data/models`` 아래 출발 모델 폴더 이름.
        min_count: 새 토큰 후보의 최소 빈도 (학습 분할 영어 문장에서).
        static_dim: PPMI-SVD 정적 벡터 차원.
        wechsel_k: WECHSEL 식 초기화에서 섞을 이웃 수.
        wechsel_temperature: 소프트맥스 온도.
        steps: 추가 사전학습 단계 수 (모든 실행이 같다).
        lr: 학습률 (상수, AdamW).
        batch_size: 배치 크기.
        block_size: 창 길이.
        eval_steps: 평가 손실을 재는 단계.
        seed: 무작위 초기화와 배치 뽑기 시드.
    """

    base: str = "tiny-ko-gpt"
    min_count: int = 2
    static_dim: int = 64
    wechsel_k: int = 10
    wechsel_temperature: float = 0.1
    steps: int = 100
    lr: float = 2e-3
    batch_size: int = 8
    block_size: int = 64
    eval_steps: tuple[int, ...] = field(
        default_factory=lambda: (0, 1, 2, 3, 4, 6, 8, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100)
    )
    seed: int = 0


def prepare(recipe: ExtensionRecipe) -> dict[str, Any]:
    """토크나이저 확장, 정적 벡터, 프로크루스테스 정렬, 세 가지 초기 임베딩을 만든다 (학습 없음)."""
    base_tok = ml.load_hf_bpe(models_dir() / recipe.base)
    model = load_pretrained(models_dir() / recipe.base)
    train, test = ml.load_parallel("train"), ml.load_parallel("test")
    new = ml.new_word_tokens(base_tok, [r["en"] for r in train], recipe.min_count)
    tok = ml.ExtendedTokenizer(base_tok, new)
    # 정적 벡터: 언어마다 따로 (학습 분할만)
    ko = ml.ppmi_svd_vectors([ml.korean_words(r["ko"]) for r in train], recipe.static_dim, min_count=1)
    en = ml.ppmi_svd_vectors([ml.english_words(r["en"]) for r in train], recipe.static_dim, min_count=1)
    ko_n = WordVectors(ko.index_to_key, ml.normalize_vectors(ko.vectors))
    en_n = WordVectors(en.index_to_key, ml.normalize_vectors(en.vectors))
    pairs = [(e, k) for k, e in ml.load_seed_dictionary()]  # 영어 → 한국어 방향으로 옮긴다
    X, Y, kept, missing = ml.dictionary_matrices(en_n, ko_n, pairs)
    # 정렬 품질: 사전을 반으로 나눠 한쪽으로 W 를 구하고 다른 쪽에서 번역 정확도(P@1)를 잰다
    half_fit, half_eval = kept[::2], kept[1::2]
    Xh, Yh, _, _ = ml.dictionary_matrices(en_n, ko_n, half_fit)
    Wh = ml.procrustes(Xh, Yh)
    p1_aligned = ml.translation_accuracy(
        en_n.vectors @ Wh, en.index_to_key, ko_n.vectors, ko.index_to_key, half_eval
    )
    p1_identity = ml.translation_accuracy(
        en_n.vectors, en.index_to_key, ko_n.vectors, ko.index_to_key, half_eval
    )
    W = ml.procrustes(X, Y)  # 실제 초기화에는 사전 전체로 구한 W
    new_static = np.stack([(en_n.vectors @ W)[en.key_to_index[t.strip().lower()]] for t in new])
    E = model.transformer.wte.weight.detach()
    src_pieces = [base_tok.encode(w, allow_special=False) for w in ko.index_to_key]
    inits = {
        "random": ml.init_random(len(new), E.shape[1], std=0.02, seed=recipe.seed),
        "mean": ml.init_mean(E, tok.old_pieces()),
        "wechsel": ml.init_wechsel(
            E,
            new_static,
            ko_n.vectors,
            src_pieces,
            k=recipe.wechsel_k,
            temperature=recipe.wechsel_temperature,
        ),
    }

    def stream(recs: list[dict]) -> torch.Tensor:
        out: list[int] = []
        for r in recs:
            out += [0, *tok.encode(r["en"])]  # 0 = <|endoftext|> 문장 경계
        return torch.tensor(out, dtype=torch.long)

    return dict(
        model=model,
        tok=tok,
        new=new,
        inits=inits,
        train_ids=stream(train),
        test_ids=stream(test),
        old_test_tokens=sum(1 + len(base_tok.encode(r["en"])) for r in test),
        dictionary=dict(pairs=len(pairs), kept=len(kept), missing=len(missing)),
        alignment=dict(
            p1_aligned=p1_aligned, p1_identity=p1_identity, n_fit=len(half_fit), n_eval=len(half_eval)
        ),
    )


def run(recipe: ExtensionRecipe, progress: bool = True) -> dict[str, Any]:
    """실험 전체를 돌려 결과 사전을 만든다."""
    torch.manual_seed(recipe.seed)
    prep = prepare(recipe)
    kw = dict(
        steps=recipe.steps,
        lr=recipe.lr,
        batch_size=recipe.batch_size,
        block_size=recipe.block_size,
        seed=recipe.seed,
        eval_steps=recipe.eval_steps,
    )
    curves = {}
    for name in INITS:
        t0 = time.time()
        m = ml.extend_gpt(prep["model"], prep["inits"][name])
        curves[name] = ml.further_pretrain(m, prep["train_ids"], prep["test_ids"], **kw)
        if progress:
            print(f"init {name}: {curves[name]['eval_loss'][-1]:.3f} ({time.time() - t0:.0f}s)", flush=True)
    data_file = data_dir() / "multilingual" / "parallel.jsonl"
    dict_file = data_dir() / "multilingual" / "seed_dictionary_ko_en.tsv"
    return {
        "format": 1,
        "recipe": asdict(recipe),
        "command": "python -m llmnotes.recipes.multilingual --out data/multilingual/extension-results.json",
        "data_sha256": {
            "parallel.jsonl": file_sha256(data_file),
            "seed_dictionary_ko_en.tsv": file_sha256(dict_file),
        },
        "base_model_sha256": file_sha256(models_dir() / recipe.base / "model.safetensors"),
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "new_tokens": prep["new"],
        "test_tokens": {"extended": int(prep["test_ids"].numel()), "old": int(prep["old_test_tokens"])},
        "dictionary": prep["dictionary"],
        "alignment": prep["alignment"],
        "inits": curves,
    }


@dataclass
class TransferRecipe:
    """교차언어 전이 실험 설정 (이중언어 리뷰, 주제 5개, 한국어로 탐사 학습 → 영어로 시험).

    Args:
        conditions: 사전학습 조건 (``transfer.CONDITIONS`` 에서).
        seeds: 시드마다 데이터·토크나이저·모델을 새로 만든다.
        n_mono: 언어마다 단일언어 리뷰 수.
        n_extra: 병렬 쌍 또는 코드 스위칭 리뷰 수.
        n_task: 과제 학습(한국어)·시험(한국어, 영어) 리뷰 수.
        vocab_size: 공유 BPE 어휘 크기.
        n_layer, n_embd, n_head: 모델 크기.
        steps, lr, batch_size, block_size: 사전학습.
        probe_C: 선형 탐사의 규제 역수.
    """

    conditions: tuple[str, ...] = ("ko", "ko+en+parallel", "ko+en+code-switch")
    seeds: tuple[int, ...] = (0, 1, 2)
    n_mono: int = 1500
    n_extra: int = 1500
    n_task: int = 300
    vocab_size: int = 1024
    n_layer: int = 2
    n_embd: int = 64
    n_head: int = 2
    steps: int = 200
    lr: float = 3e-3
    batch_size: int = 32
    block_size: int = 64
    probe_C: float = 0.1


def run_transfer(recipe: TransferRecipe, progress: bool = True) -> dict[str, Any]:
    """조건 × 시드마다 작은 GPT 를 사전학습하고, 한국어 주제 분류 탐사의 한국어·영어 정확도를 잰다."""
    from .. import bpe
    from ..gpt import GPTConfig
    from ..multilingual import transfer as xl

    rows = []
    for seed in recipe.seeds:
        task_train = xl.generate_reviews(recipe.n_task, 1000 + 10 * seed)
        task_test = xl.generate_reviews(recipe.n_task, 1001 + 10 * seed)
        held = task_train + task_test
        base = xl.pretraining_documents("ko+en", recipe.n_mono, 0, seed, exclude=held)
        tok = bpe.train(base, vocab_size=recipe.vocab_size, pattern=xl.SCRIPT_SPLIT_PATTERN)
        for cond in recipe.conditions:
            t0 = time.time()
            docs = xl.pretraining_documents(cond, recipe.n_mono, recipe.n_extra, seed, exclude=held)
            ids = torch.tensor([i for d in docs for i in (0, *tok.encode(d))])
            torch.manual_seed(seed)
            cfg = GPTConfig(
                vocab_size=tok.vocab_size,
                n_layer=recipe.n_layer,
                n_head=recipe.n_head,
                n_embd=recipe.n_embd,
                block_size=recipe.block_size,
            )
            model = GPT(cfg)
            hist = ml.further_pretrain(
                model,
                ids,
                ids[: 20 * recipe.block_size],
                steps=recipe.steps,
                lr=recipe.lr,
                batch_size=recipe.batch_size,
                block_size=recipe.block_size,
                seed=seed,
                eval_steps=(recipe.steps,),
            )
            feats = {
                name: xl.sentence_features(model, tok.encode, [getattr(r, lang) for r in part])
                for name, lang, part in [
                    ("train", "ko", task_train),
                    ("ko", "ko", task_test),
                    ("en", "en", task_test),
                ]
            }
            probe = xl.LinearProbe(C=recipe.probe_C).fit(feats["train"], [r.topic for r in task_train])
            y = [r.topic for r in task_test]
            row = dict(
                seed=seed,
                condition=cond,
                documents=len(docs),
                tokens=int(ids.numel()),
                train_loss_window=hist["eval_loss"][-1],
                acc_ko=probe.accuracy(feats["ko"], y),
                acc_en=probe.accuracy(feats["en"], y),
            )
            rows.append(row)
            if progress:
                print(
                    f"seed {seed} {cond}: ko {row['acc_ko']:.3f} en {row['acc_en']:.3f} ({time.time() - t0:.0f}s)",
                    flush=True,
                )
    return {
        "format": 1,
        "recipe": asdict(recipe),
        "command": "python -m llmnotes.recipes.multilingual --transfer --out data/multilingual/transfer-results.json",
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "chance": 1 / 5,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="노트북 19 어휘 확장 실험 (--transfer: 교차언어 전이 실험)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--transfer", action="store_true")
    parser.add_argument("--fake", action="store_true", help="가짜 한국어 실험 (spine 어휘 확장과 전이)")
    parser.add_argument(
        "--fake-artifacts", action="store_true", help="있는 가짜 한국어 결과 파일로 시연용 파일만 다시 만든다"
    )
    args = parser.parse_args(argv)
    from .multilingual_fake import FakeKoreanRecipe, run_fake, save_fake_artifacts

    if args.fake_artifacts:
        out = Path(args.out or "data/multilingual/fake-korean-results.json")
        result = json.loads(out.read_text(encoding="utf-8"))
        frecipe = FakeKoreanRecipe(
            **{
                k: tuple(map(tuple, v)) if k == "wechsel_grid" else tuple(v) if isinstance(v, list) else v
                for k, v in result["recipe"].items()
            }
        )
        chosen = result["wechsel_chosen"]
        result["artifacts"] = save_fake_artifacts(
            frecipe, out.parent / "fake-korean", chosen["k"], chosen["temperature"]
        )
        args.out = str(out)
    elif args.fake:
        frecipe = FakeKoreanRecipe() if args.steps is None else FakeKoreanRecipe(steps=args.steps)
        if args.steps is not None:
            frecipe.eval_steps = tuple(s for s in frecipe.eval_steps if s <= args.steps)
        result = run_fake(frecipe)
        args.out = args.out or "data/multilingual/fake-korean-results.json"
        art = Path(args.out).parent / "fake-korean"
        chosen = result["wechsel_chosen"]
        result["artifacts"] = save_fake_artifacts(frecipe, art, chosen["k"], chosen["temperature"])
    elif args.transfer:
        trecipe = TransferRecipe() if args.steps is None else TransferRecipe(steps=args.steps)
        result = run_transfer(trecipe)
        args.out = args.out or "data/multilingual/transfer-results.json"
    else:
        recipe = ExtensionRecipe(steps=args.steps or ExtensionRecipe.steps)
        if recipe.steps != 100:
            recipe.eval_steps = tuple(s for s in recipe.eval_steps if s <= recipe.steps)
        result = run(recipe)
        args.out = args.out or "data/multilingual/extension-results.json"
    print(f"wrote {write_json(args.out, result).name}")
    return result


if __name__ == "__main__":
    main()
