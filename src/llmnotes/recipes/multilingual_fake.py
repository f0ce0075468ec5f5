"""노트북 19 의 가짜 한국어(Fake-Korean) 실험 결과 ``data/multilingual/fake-korean-results.json`` 과 시연용 파일
``data/multilingual/fake-korean/`` 을 만드는 레시피.

spine ``tiny-ko-llama`` 에게 글자만 새로운 언어(:mod:`llmnotes.multilingual.fake`)를 가르친다.

1. 데이터: 세계 말뭉치 생성기로 한국어 문서와 (다른 시드의, 겹치지 않는) 가짜 한국어 문서, 개발·시험 문서.
2. 가짜 한국어 BPE → spine 어휘 뒤에 붙이기 (:class:`~llmnotes.multilingual.fake.NewScriptTokenizer`).
3. 토큰 정적 벡터(창 PPMI + 절단 SVD)를 언어마다 따로, 씨앗 사전 100쌍으로 프로크루스테스 + 자기 학습 다듬기.
4. 새 행 초기화 셋(무작위, 하위 조각 평균, WECHSEL 식)과 추가 사전학습 곡선. WECHSEL 의 (k, τ) 는 개발 분할의
   0단계 손실로 고르고, 곡선은 시험 분할에서 한 번 잰다.
5. 교차언어 탐사: 한국어 문장으로 분류기를 학습하고 같은 문장의 가짜 한국어판에서 시험한다.

실행: ``python -m llmnotes.recipes.multilingual --fake`` (이 모듈의 함수를 부른다).
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import multilingual as ml
from ..paths import models_dir
from .records import file_sha256


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


def split_documents(recipe: FakeKoreanRecipe) -> tuple[list[str], list[str], list[str], list[str]]:
    """세계 말뭉치 문서 네 몫 (한국어 원문): 한국어 학습, 가짜 한국어 학습(로 옮길 원문), 개발, 시험. 서로 겹치지 않는다."""
    from ..world import build_world, generate_documents

    world = build_world(0)  # spine 과 같은 세계

    def docs(n: int, seed: int, exclude: set[str]) -> list[str]:
        out = [d.text for d in generate_documents(world, n, seed=seed)]
        return [t for t in dict.fromkeys(out) if t not in exclude]  # 중복·다른 몫과 겹치는 문서 빼기

    ko = docs(recipe.n_docs, 101, set())
    fk_src = docs(recipe.n_docs, 202, set(ko))  # 가짜 한국어는 한국어와 다른 문서 (병렬이 아니다)
    dev_src = docs(recipe.n_eval_docs, 303, set(ko) | set(fk_src))
    test_src = docs(recipe.n_eval_docs, 404, set(ko) | set(fk_src) | set(dev_src))
    return ko, fk_src, dev_src, test_src


def fake_korean_data(recipe: FakeKoreanRecipe) -> dict[str, Any]:
    """문서, 가짜 한국어 BPE, 확장 토크나이저, 정적 벡터와 정렬 (학습 없음)."""
    from .. import bpe
    from ..multilingual import fake as fk

    ko, fk_src, dev_src, test_src = split_documents(recipe)
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
        "base_model_sha256": file_sha256(models_dir() / recipe.base / "model.safetensors"),
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


def save_fake_artifacts(recipe: FakeKoreanRecipe, out: Path, k: int, tau: float) -> dict[str, Any]:
    """노트북의 작은 실시간 시연에 쓸 파일: 가짜 한국어 BPE (``tokenizer.json``)와 WECHSEL 식 새 행
    (``wechsel_rows.safetensors``, float32). :func:`run_fake` 와 같은 결정적 계산을 (k, τ) 하나로 다시 한다."""
    from safetensors.torch import save_file

    from ..llama_hf import load_pretrained as load_llama

    d = fake_korean_data(recipe)
    inits = fake_korean_inits(d, load_llama(models_dir() / recipe.base), recipe, k, tau)
    out.mkdir(parents=True, exist_ok=True)
    d["tok"].new.save_hf(out / "tokenizer.json")
    save_file({"wechsel": inits["wechsel"].contiguous()}, str(out / "wechsel_rows.safetensors"))
    return {name: file_sha256(out / name) for name in ("tokenizer.json", "wechsel_rows.safetensors")}
