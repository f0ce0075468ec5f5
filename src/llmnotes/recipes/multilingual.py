"""노트북 19 의 어휘 확장 실험 결과 ``data/multilingual/extension-results.json`` 을 만드는 레시피.

실험 (모두 한국어 ``tiny-ko-gpt`` 에서 출발해 병렬 말뭉치의 영어 문장으로 추가 사전학습):

1. 초기화 비교: 새 영어 단어 토큰의 임베딩을 무작위 / 옛 하위 조각 평균 / WECHSEL 식으로 두고 전체 미세조정.
2. 학습 범위 비교 (같은 단계 수, WECHSEL 식 초기화에서 출발): 임베딩만(AMM 식), 위에 블록 하나 추가(XPT 식),
   LoRA + 임베딩, 전체.

평가 손실은 시험 분할(영어 40문장)에서 잰다. 설정(학습률 2e-3, 배치 8, 단계 100)은 학습 분할 안의 개발 문장
(학습 문장 8개마다 하나)으로 한 번 돌려 보고 정했고, 시험 분할은 이 레시피에서만 본다.

실행: ``python -m llmnotes.recipes.multilingual --out data/multilingual/extension-results.json``
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import multilingual as ml
from ..gpt import GPT, Block, load_pretrained
from ..lora import inject_lora, trainable_parameters
from ..paths import data_dir, models_dir
from ..word2vec import WordVectors

INITS = ("random", "mean", "wechsel")
REGIMES = ("amm", "xpt", "lora", "full")


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
        lora_r: LoRA 랭크.
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
    lora_r: int = 8
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


def build_regime(regime: str, model: GPT, recipe: ExtensionRecipe) -> GPT:
    """학습 범위를 정한 모델 사본을 만든다 (``requires_grad`` 로 표시).

    - ``amm``: 토큰 임베딩(출력층과 공유)만.
    - ``xpt``: 맨 위에 새 블록 하나(잔차 투영을 0 으로 두어 처음엔 항등) + 토큰 임베딩.
    - ``lora``: 모든 선형층에 LoRA + 토큰 임베딩.
    - ``full``: 전부.
    """
    if regime not in REGIMES:
        raise ValueError(f"regime 은 {REGIMES} 중 하나여야 합니다: {regime!r}")
    m = copy.deepcopy(model)
    if regime == "full":
        return m
    if regime == "lora":
        inject_lora(m, ["c_attn", "c_proj", "c_fc"], r=recipe.lora_r, alpha=2.0 * recipe.lora_r)
    else:
        for p in m.parameters():
            p.requires_grad_(False)
    if regime == "xpt":
        block = Block(m.config)
        for name, p in block.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.zeros_(p)  # 잔차로 들어가는 투영 = 0 → 새 블록은 처음에 항등 함수
            elif name.endswith(".weight") and p.dim() == 2:
                torch.nn.init.normal_(p, std=0.02)  # GPT-2 와 같은 초기화
            elif name.endswith(".bias") and "ln_" not in name:
                torch.nn.init.zeros_(p)
        m.transformer.h.append(block)
    m.transformer.wte.weight.requires_grad_(True)
    return m


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    regimes = {}
    start = ml.extend_gpt(prep["model"], prep["inits"]["wechsel"])
    for regime in REGIMES:
        t0 = time.time()
        m = build_regime(regime, start, recipe)
        count = trainable_parameters(m)
        hist = ml.further_pretrain(m, prep["train_ids"], prep["test_ids"], **kw)
        regimes[regime] = dict(trainable=count.trainable, total=count.total, **hist)
        if progress:
            print(f"regime {regime}: {hist['eval_loss'][-1]:.3f} ({time.time() - t0:.0f}s)", flush=True)
    data_file = data_dir() / "multilingual" / "parallel.jsonl"
    dict_file = data_dir() / "multilingual" / "seed_dictionary_ko_en.tsv"
    return {
        "format": 1,
        "recipe": asdict(recipe),
        "command": "python -m llmnotes.recipes.multilingual --out data/multilingual/extension-results.json",
        "data_sha256": {
            "parallel.jsonl": _sha256(data_file),
            "seed_dictionary_ko_en.tsv": _sha256(dict_file),
        },
        "base_model_sha256": _sha256(models_dir() / recipe.base / "model.safetensors"),
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "new_tokens": prep["new"],
        "test_tokens": {"extended": int(prep["test_ids"].numel()), "old": int(prep["old_test_tokens"])},
        "dictionary": prep["dictionary"],
        "alignment": prep["alignment"],
        "inits": curves,
        "regimes": regimes,
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


@dataclass
class FakeKoreanRecipe:
    """가짜 한국어 실험 설정 (spine ``tiny-ko-llama`` 의 어휘 확장과 교차언어 전이).

    Args:
        base: 출발 모델 (``data/models`` 아래).
        n_docs: 한국어 문서 수와 가짜 한국어 문서 수 (세계 말뭉치 생성기, 서로 다른 시드로 따로 만든다).
        n_eval_docs: 개발·시험 문서 수 (각각).
        vocab_size: 가짜 한국어 BPE 어휘 크기 (특수 토큰 포함).
        static_dim, window, min_count, refine: 토큰 정적 벡터와 정렬.
        n_seed_pairs: 씨앗 사전 쌍 수 (흔한 새 토큰에서, 반은 정렬에, 반은 평가에).
        wechsel_grid: 개발 분할의 0단계 손실로 고를 (k, τ) 후보.
        steps, lr, batch_size, block_size, eval_tokens, eval_steps: 추가 사전학습.
        n_task, probe_C: 교차언어 탐사 (리뷰 분야 5개).
        seed: 무작위 초기화·배치 시드.
    """

    base: str = "tiny-ko-llama"
    n_docs: int = 30000
    n_eval_docs: int = 400
    vocab_size: int = 6144
    static_dim: int = 128
    window: int = 3
    min_count: int = 5
    refine: int = 3
    n_seed_pairs: int = 200
    wechsel_grid: tuple[tuple[int, float], ...] = ((10, 0.1), (5, 0.05), (3, 0.02), (1, 1.0))
    steps: int = 100
    lr: float = 1e-3
    batch_size: int = 8
    block_size: int = 128
    eval_tokens: int = 8192
    eval_steps: tuple[int, ...] = (0, 1, 2, 3, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100)
    n_task: int = 300
    probe_C: float = 0.1
    seed: int = 0


def fake_korean_data(recipe: FakeKoreanRecipe) -> dict[str, Any]:
    """문서, 가짜 한국어 BPE, 확장 토크나이저, 정적 벡터와 정렬 (학습 없음)."""
    from .. import bpe
    from ..multilingual import fake as fk
    from ..world import build_world, generate_documents

    world = build_world(0)  # spine 과 같은 세계

    def docs(n: int, seed: int, exclude: set[str]) -> list[str]:
        out = [d.text for d in generate_documents(world, n, seed=seed)]
        return [t for t in dict.fromkeys(out) if t not in exclude]  # 중복·다른 몫과 겹치는 문서 빼기

    ko = docs(recipe.n_docs, 101, set())
    fk_src = docs(recipe.n_docs, 202, set(ko))  # 가짜 한국어는 한국어와 다른 문서 (병렬이 아니다)
    dev_src = docs(recipe.n_eval_docs, 303, set(ko) | set(fk_src))
    test_src = docs(recipe.n_eval_docs, 404, set(ko) | set(fk_src) | set(dev_src))
    fk_docs = [fk.to_fake_korean(t) for t in fk_src]
    base = ml.load_hf_bpe(models_dir() / recipe.base)
    specials = tuple(base.special_tokens)
    new_bpe = bpe.train(fk_docs, recipe.vocab_size, special_tokens=specials)
    tok = fk.NewScriptTokenizer(base, new_bpe)
    eos = base.special_token_id(specials[0])
    fast = base.to_hf()
    ko_streams = [e.ids for e in fast.encode_batch(ko)]
    fk_streams = tok.encode_batch(fk_docs)
    names = list(base.vocab) + tok.new_tokens
    skip = [base.token_to_id[t] for t in specials]
    kv = ml.token_ppmi_vectors(
        ko_streams, base.vocab, recipe.static_dim, recipe.window, recipe.min_count, skip
    )
    fv = ml.token_ppmi_vectors(fk_streams, names, recipe.static_dim, recipe.window, recipe.min_count, skip)
    kn, fn = ml.normalize_vectors(kv.vectors), ml.normalize_vectors(fv.vectors)
    k_index = {w: i for i, w in enumerate(kv.index_to_key)}
    f_index = {w: i for i, w in enumerate(fv.index_to_key)}
    # 씨앗 사전: 가장 흔한 새 토큰 가운데 온전한 글자로 된 것과 그 한국어 짝 (사람이 만든 작은 사전 흉내)
    counts = np.bincount(np.concatenate([np.asarray(s) for s in fk_streams]), minlength=len(names))
    pairs = []
    for i in np.argsort(-counts, kind="stable"):
        t = names[i]
        if i < base.vocab_size or t not in f_index or len(pairs) >= recipe.n_seed_pairs:
            continue
        raw = bytes(fk._U2B[c] for c in t)
        c = fk.korean_counterpart(t)
        if raw.decode("utf-8", errors="replace").count("\ufffd") == 0 and c in k_index:
            pairs.append((t, c))
    fit, held = pairs[::2], pairs[1::2]
    X = fn[[f_index[a] for a, _ in fit]]
    Y = kn[[k_index[b] for _, b in fit]]
    W0 = ml.procrustes(X, Y)
    W = ml.refine_procrustes(fn, kn, W0, recipe.refine)
    # 정렬 평가: 씨앗 사전에 없는 모든 새 토큰 가운데 정답 짝이 두 어휘에 있는 것 (빈도 가중도 함께)
    fitset = set(fit)
    evalp = [
        (t, fk.korean_counterpart(t))
        for t in tok.new_tokens
        if t in f_index
        and fk.korean_counterpart(t) in k_index
        and (t, fk.korean_counterpart(t)) not in fitset
    ]
    ext_index = {t: i for i, t in enumerate(names)}
    weights = np.array([counts[ext_index[t]] for t, _ in evalp], dtype=np.float64)

    def p_at_1(Wm: np.ndarray) -> tuple[float, float, float]:
        best = (ml.normalize_vectors(fn @ Wm) @ ml.normalize_vectors(kn).T).argmax(axis=1)
        hit = np.array([kv.index_to_key[best[f_index[t]]] == c for t, c in evalp], dtype=np.float64)
        held_hit = np.mean([kv.index_to_key[best[f_index[t]]] == c for t, c in held])
        return float(hit.mean()), float((hit * weights).sum() / weights.sum()), float(held_hit)

    align = {}
    for name, Wm in (("identity", np.eye(recipe.static_dim)), ("seed", W0), ("refined", W)):
        p, pw, ph = p_at_1(Wm)
        align[name] = dict(p1=p, p1_token_weighted=pw, p1_held_seed=ph)
    stream = lambda texts, enc: torch.tensor([i for t in texts for i in (eos, *enc(t))])  # noqa: E731
    return dict(
        base=base,
        tok=tok,
        eos=eos,
        fk_docs=fk_docs,
        ko_docs=ko,
        train_ids=torch.tensor([i for s in fk_streams for i in (eos, *s)]),
        dev_ids=stream([fk.to_fake_korean(t) for t in dev_src], tok.encode)[: recipe.eval_tokens + 1],
        test_ids=stream([fk.to_fake_korean(t) for t in test_src], tok.encode)[: recipe.eval_tokens + 1],
        test_ko_ids=stream(test_src, lambda t: fast.encode(t).ids)[: recipe.eval_tokens + 1],
        vectors=dict(ko=len(kv), fake=len(fv), eval_pairs=len(evalp), fit=len(fit), held=len(held)),
        alignment=align,
        fn=fn,
        kn=kn,
        W=W,
        f_index=f_index,
        k_src_ids=[base.token_to_id[w] for w in kv.index_to_key],
        dev_src=dev_src,
        test_src=test_src,
    )


def fake_korean_inits(d: dict[str, Any], model, recipe: FakeKoreanRecipe, k: int, tau: float) -> dict:
    """새 행 초기화 셋 (+ 정답 짝을 베낀 참고용 ``oracle``)."""
    tok = d["tok"]
    E = model.embed_tokens.weight.detach()
    mean = ml.init_mean(E, tok.old_pieces())
    has = [t in d["f_index"] for t in tok.new_tokens]
    aligned = d["fn"] @ d["W"]
    new_vec = np.stack([aligned[d["f_index"][t]] for t in tok.new_tokens if t in d["f_index"]])
    src = [[i] for i in d["k_src_ids"]]
    wech = mean.clone()  # 정적 벡터가 없는 드문 새 토큰은 하위 조각 평균으로 둔다
    wech[torch.tensor(has)] = ml.init_wechsel(E, new_vec, d["kn"], src, k=k, temperature=tau)
    oracle = mean.clone()
    for j, c in enumerate(tok.counterparts()):
        if c is not None:
            oracle[j] = E[c]
    rand = ml.init_random(len(tok.new_tokens), E.shape[1], std=0.02, seed=recipe.seed)
    return {"random": rand, "mean": mean, "wechsel": wech, "oracle": oracle, "_has_vector": sum(has)}


def run_fake(recipe: FakeKoreanRecipe, progress: bool = True) -> dict[str, Any]:
    """가짜 한국어 실험 전체: 정렬, (k, τ) 고르기(개발), 초기화 셋의 추가 사전학습(시험), 교차언어 탐사."""
    from ..llama_hf import load_pretrained as load_llama
    from ..multilingual import fake as fk
    from ..multilingual import transfer as xl
    from ..pretrain import evaluate

    t0 = time.time()
    log = (lambda *a: print(f"[{time.time() - t0:6.0f}s]", *a, flush=True)) if progress else (lambda *a: None)
    torch.manual_seed(recipe.seed)
    d = fake_korean_data(recipe)
    log("data", d["vectors"], d["alignment"])
    model = load_llama(models_dir() / recipe.base)
    bs = recipe.block_size
    dev = {}
    for k, tau in recipe.wechsel_grid:  # 개발 분할에서 (k, τ) 고르기
        rows = fake_korean_inits(d, model, recipe, k, tau)["wechsel"]
        dev[f"{k},{tau}"] = evaluate(ml.extend_llama(model, rows), d["dev_ids"], bs)[0]
    k, tau = min(recipe.wechsel_grid, key=lambda kt: dev[f"{kt[0]},{kt[1]}"])
    log("dev", dev, "chosen", k, tau)
    inits = fake_korean_inits(d, model, recipe, k, tau)
    kw = dict(steps=recipe.steps, lr=recipe.lr, batch_size=recipe.batch_size, block_size=bs, seed=recipe.seed)
    curves, trained = {}, {}
    for name in ("random", "mean", "wechsel"):
        m = ml.extend_llama(model, inits[name])
        curves[name] = ml.further_pretrain(
            m, d["train_ids"], d["test_ids"], eval_steps=recipe.eval_steps, **kw
        )
        trained[name] = m
        log(name, curves[name]["eval_loss"][0], curves[name]["eval_loss"][-1])
    oracle0 = evaluate(ml.extend_llama(model, inits["oracle"]), d["test_ids"], bs)[0]
    korean = evaluate(model, d["test_ko_ids"], bs)[0]
    # 교차언어 전이: 한국어 문장으로 분류 탐사를 학습하고, 같은 문장의 가짜 한국어판에서 시험한다.
    # 과제 두 가지: 세계 문서의 장르 6개 (spine 이 아는 분야, 첫 두 문장) / 리뷰 분야 5개 (xl.generate_reviews).
    from ..world import GENRES, build_world, generate_documents

    world, seen = build_world(0), set(d["ko_docs"]) | {fk.from_fake_korean(t) for t in d["fk_docs"]}

    def genre_task(seed: int) -> tuple[list[str], list[int]]:
        docs = [x for x in generate_documents(world, recipe.n_task, seed=seed) if x.text not in seen]
        return [". ".join(x.text.split(". ")[:2]) for x in docs], [GENRES.index(x.genre) for x in docs]

    tasks = {
        "genre": (genre_task(505), genre_task(506), len(GENRES)),
        "review": tuple(
            ([r.ko for r in rs], [r.topic for r in rs])
            for rs in (xl.generate_reviews(recipe.n_task, s) for s in (2000, 2001))
        )
        + (len(xl.TOPICS),),
    }
    tok, fast = d["tok"], d["base"].to_hf()
    probes = []
    variants = [(n, ml.extend_llama(model, inits[n]), 0) for n in ("random", "mean", "wechsel")]
    variants += [(n, m, recipe.steps) for n, m in trained.items()]
    for name, m, steps in variants:

        def feats(texts: list[str], enc, m=m) -> torch.Tensor:
            return xl.llama_sentence_features(m, enc, texts, bos_id=d["eos"])

        def ko_enc(t: str) -> list[int]:
            return fast.encode(t).ids

        for task, ((x_tr, y_tr), (x_te, y_te), _) in tasks.items():
            probe = xl.LinearProbe(C=recipe.probe_C).fit(feats(x_tr, ko_enc), y_tr)
            acc_ko = probe.accuracy(feats(x_te, ko_enc), y_te)
            acc_fake = probe.accuracy(feats([fk.to_fake_korean(t) for t in x_te], tok.encode), y_te)
            probes.append(
                dict(task=task, init=name, steps=steps, acc_ko=acc_ko, acc_fake=acc_fake, n_test=len(y_te))
            )
            log("probe", probes[-1])
    return {
        "format": 1,
        "recipe": asdict(recipe),
        "command": "python -m llmnotes.recipes.multilingual --fake --out data/multilingual/fake-korean-results.json",
        "base_model_sha256": _sha256(models_dir() / recipe.base / "model.safetensors"),
        "data_sha256": {
            "korean_docs": hashlib.sha256("\x00".join(d["ko_docs"]).encode()).hexdigest(),
            "fake_docs": hashlib.sha256("\x00".join(d["fk_docs"]).encode()).hexdigest(),
            "test_ids": hashlib.sha256(d["test_ids"].numpy().tobytes()).hexdigest(),
        },
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "docs": dict(
            korean=len(d["ko_docs"]), fake=len(d["fk_docs"]), dev=len(d["dev_src"]), test=len(d["test_src"])
        ),
        "tokens": dict(
            fake_train=int(d["train_ids"].numel()),
            dev=int(d["dev_ids"].numel()),
            test=int(d["test_ids"].numel()),
        ),
        "vocab": dict(
            base=d["base"].vocab_size,
            new=len(tok.new_tokens),
            shared=tok.n_shared,
            counterparts=sum(c is not None for c in tok.counterparts()),
            with_vector=inits["_has_vector"],
        ),
        "vectors": d["vectors"],
        "alignment": d["alignment"],
        "wechsel_dev_loss": dev,
        "wechsel_chosen": dict(k=k, temperature=tau),
        "inits": curves,
        "reference": dict(oracle_step0=oracle0, korean_test=korean),
        "probes": probes,
        "chance": {task: 1 / n for task, (_, _, n) in tasks.items()},
        "seconds": round(time.time() - t0),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="노트북 19 어휘 확장 실험 (--transfer: 교차언어 전이 실험)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--transfer", action="store_true")
    parser.add_argument("--fake", action="store_true", help="가짜 한국어 실험 (spine 어휘 확장과 전이)")
    args = parser.parse_args(argv)
    if args.fake:
        frecipe = FakeKoreanRecipe() if args.steps is None else FakeKoreanRecipe(steps=args.steps)
        if args.steps is not None:
            frecipe.eval_steps = tuple(s for s in frecipe.eval_steps if s <= args.steps)
        result = run_fake(frecipe)
        args.out = args.out or "data/multilingual/fake-korean-results.json"
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
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out.name}")
    return result


if __name__ == "__main__":
    main()
