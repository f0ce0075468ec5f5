"""이전에 아무도 거부하지 않던 입력들: 인자 이름과 값을 밝힌 오류가 나는지 하나씩 확인한다."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from llmnotes import bpe
from llmnotes.align import dpo_loss
from llmnotes.corpora import corpus_stats
from llmnotes.josa import attach, josa
from llmnotes.loaders import load_jsonl
from llmnotes.lora import LoRALinear
from llmnotes.ngram import NGramConfig, NGramLM
from llmnotes.rag import Chunk, Hit, recall_at_k, reciprocal_rank, rrf_fuse
from llmnotes.tfidf import TfidfConfig
from llmnotes.word2vec import Word2VecConfig, WordVectors

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("k", [INF, NAN, 0, -1.0])
def test_ngram_k(k):
    with pytest.raises((ValueError, TypeError), match="k"):
        NGramConfig(order=2, smoothing="add_k", k=k)


@pytest.mark.parametrize("alpha", [NAN, INF, -INF, 0.0])
def test_lora_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        LoRALinear(torch.nn.Linear(4, 4), r=2, alpha=alpha)


@pytest.mark.parametrize(
    "field,value", [("max_exp", -1.0), ("max_exp", 0.0), ("ns_exponent", NAN), ("sample", NAN)]
)
def test_word2vec_config(field, value):
    with pytest.raises(ValueError, match=field):
        Word2VecConfig(**{field: value})


def test_word_vectors_with_nan_are_rejected():
    vec = np.ones((3, 2), dtype=np.float32)
    vec[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN.*'나'"):
        WordVectors(["가", "나", "다"], vec)


def _hits(ids: list[str]) -> list[Hit]:
    return [Hit(Chunk(id=i, text=i, source=i), 1.0, r) for r, i in enumerate(ids, start=1)]


@pytest.mark.parametrize("k", [NAN, INF, -1])
def test_rrf_k(k):
    with pytest.raises(ValueError, match="k"):
        rrf_fuse([_hits(["a", "b"])], k=k)


def test_rrf_weights_nan():
    with pytest.raises(ValueError, match="weights"):
        rrf_fuse([_hits(["a"]), _hits(["b"])], weights=[1.0, NAN])


def test_ranking_metrics_reject_a_string():
    with pytest.raises(TypeError, match="gold"):
        recall_at_k(["제1조", "제2조"], "제1조", 1)  # 문자열 하나는 글자마다 id 가 되어 버린다
    with pytest.raises(TypeError, match="ranked"):
        recall_at_k("제1조", ["제1조"], 1)
    with pytest.raises(TypeError, match="gold"):
        reciprocal_rank(["제1조"], "제1조")
    assert recall_at_k(("제1조", "제2조"), ("제2조",), 2) == 1.0  # 튜플은 된다


@pytest.mark.parametrize("field", ["use_idf", "smooth_idf", "sublinear_tf"])
def test_tfidf_flags_must_be_bool(field):
    with pytest.raises(TypeError, match=field):
        TfidfConfig(**{field: "no"})


def test_tfidf_min_df_zero_like_sklearn():
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

    with pytest.raises(ValueError, match="min_df"):
        TfidfConfig(min_df=0)
    with pytest.raises(ValueError):  # scikit-learn 도 정수 0 을 거부한다
        SkTfidf(min_df=0).fit(["ab bc", "bc cd"])
    TfidfConfig(min_df=0.0)  # 비율 0.0 은 둘 다 받는다
    SkTfidf(min_df=0.0).fit(["ab bc", "bc cd"])


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_load_jsonl_rejects_non_standard_numbers(tmp_path, literal):
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": "a", "score": ' + literal + "}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"x\.jsonl:1.*{literal}"):
        load_jsonl(p, {"id": str})


def test_dpo_loss_nan_and_empty():
    ok = torch.zeros(2)
    bad = torch.tensor([0.0, NAN])
    with pytest.raises(ValueError, match="policy_rejected_logps"):
        dpo_loss(ok, bad, ok, ok)
    with pytest.raises(ValueError, match="ref_chosen_logps"):
        dpo_loss(ok, ok, torch.tensor([-INF, 0.0]), ok)
    empty = torch.zeros(0)
    with pytest.raises(ValueError, match="비어"):
        dpo_loss(empty, empty, empty, empty)


def test_none_is_a_clear_type_error():
    with pytest.raises(TypeError, match="texts"):
        bpe.train(None, 300)
    tok = bpe.train(["가나다 가나"], 262)
    with pytest.raises(TypeError, match="ids"):
        tok.decode(None)
    with pytest.raises(TypeError, match="sentences"):
        NGramLM().fit(None)
    with pytest.raises(TypeError, match="texts"):
        corpus_stats(None)
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        corpus_stats(["가", None])


def test_truncated_tokenizer_json_names_the_file(tmp_path):
    tok = bpe.train(["가나다 가나"], 262)
    path = tok.save(tmp_path / "tok.json")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ValueError, match=r"tok\.json.*JSON"):
        bpe.BPETokenizer.load(path)
    path.write_text(json.dumps({"format": "llmnotes-bpe"}), encoding="utf-8")
    with pytest.raises(ValueError, match="vocab"):
        bpe.BPETokenizer.load(path)


def test_josa_none_names_word():
    with pytest.raises(TypeError, match="word"):
        josa(None, "은/는")
    with pytest.raises(TypeError, match="pair"):
        josa("사과", None)
    with pytest.raises(TypeError, match="word"):
        attach(None, "을/를")
