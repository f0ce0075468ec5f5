"""RAG: 청킹(id ↔ 출처), BM25·밀집·하이브리드(RRF) 검색, 프롬프트, 추출식 답, '모름', 평가 지표, 잘못된 입력."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmnotes.corpora import Document
from llmnotes.dense import LSAEncoder
from llmnotes.rag import (
    DEFAULT_THRESHOLD,
    OUT_OF_SCOPE_DEV,
    OUT_OF_SCOPE_TEST,
    RRF_K,
    UNKNOWN,
    BM25Retriever,
    Chunk,
    DenseRetriever,
    Hit,
    HybridRetriever,
    RAGPipeline,
    article_ranking,
    bm25_confidence,
    build_prompt,
    char_f1,
    choose_threshold,
    chunk_by_sentences,
    chunk_by_structure,
    chunk_by_tokens,
    constitution_documents,
    evaluate_retrieval,
    exact_match,
    extractive_answer,
    faithfulness,
    morph_f1,
    normalize_query,
    recall_at_k,
    reciprocal_rank,
    rrf_fuse,
    source_of,
)

DOCS = [
    Document("제1조", "제1장 총강", "① 대한민국은 민주공화국이다.\n② 대한민국의 주권은 국민에게 있다.", "t"),
    Document("제7조", "제1장 총강", "① 공무원은 국민전체에 대한 봉사자이며, 국민에 대하여 책임을 진다.", "t"),
    Document("제42조", "제3장 국회", "국회의원의 임기는 4년으로 한다.", "t"),
    Document(
        "제70조",
        "제4장 정부",
        "대통령의 임기는 5년으로 하며, 중임할 수 없다. 대통령은 국가의 원수이다.",
        "t",
    ),
]


@pytest.fixture(scope="module")
def chunks():
    return chunk_by_structure(DOCS, "paragraph")


@pytest.fixture(scope="module")
def bm25(chunks):
    return BM25Retriever(chunks)


# ---------------------------------------------------------------------------------------------- 청킹
def test_chunk_by_structure_ids_map_back(chunks):
    assert [c.id for c in chunks] == ["제1조-①", "제1조-②", "제7조-①", "제42조", "제70조"]
    assert all(source_of(c.id) == c.source for c in chunks)
    assert chunks[1].text == "② 대한민국의 주권은 국민에게 있다." and chunks[1].title == "제1장 총강"
    arts = chunk_by_structure(DOCS, "article")
    assert [c.id for c in arts] == [d.id for d in DOCS]


def test_chunk_by_structure_keeps_items_and_leading_text():
    doc = Document("제9조", "", "머리글\n① 첫 항\n1. 호 하나\n② 둘째 항", "t")
    got = chunk_by_structure([doc], "paragraph")
    assert [c.id for c in got] == ["제9조-0", "제9조-①", "제9조-②"]
    assert got[1].text == "① 첫 항\n1. 호 하나"


def test_chunk_by_sentences_and_tokens_ids():
    s = chunk_by_sentences(DOCS, n_sentences=1)
    assert [c.id for c in s if c.source == "제70조"] == ["제70조#s0", "제70조#s1"]
    w = chunk_by_tokens(DOCS, window=3, overlap=1)
    ids = [c.id for c in w if c.source == "제70조"]
    assert ids[0] == "제70조#w0" and all(re.fullmatch(r"제70조#w\d+", i) for i in ids)
    assert all(source_of(c.id) == c.source for c in s + w)
    assert w[0].text in DOCS[0].text


def test_source_of_examples():
    assert source_of("제10조") == "제10조"
    assert source_of("제10조-②") == "제10조"
    assert source_of("제10조#w3") == "제10조"
    assert source_of("제10조#s12") == "제10조"
    assert source_of("부칙 제1조-①") == "부칙 제1조"


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(st.text(alphabet="가나다라 마바\n", min_size=1, max_size=4), min_size=1, max_size=30),
    window=st.integers(1, 6),
    data=st.data(),
)
def test_token_windows_cover_every_word(words, window, data):
    # 성질: 창들을 합치면 원문의 모든 어절이 순서대로 빠짐없이 들어 있다 (겹침만큼 되풀이).
    text = " ".join(words)
    if not text.split():
        return
    overlap = data.draw(st.integers(0, window - 1))
    got = chunk_by_tokens([Document("d", "", text, "t")], window=window, overlap=overlap)
    toks = text.split()
    seen = []
    for j, c in enumerate(got):
        part = c.text.split()
        assert len(part) <= window
        seen.extend(part if j == 0 else part[overlap:])
        assert c.id == f"d#w{j}"
    assert seen == toks


def test_chunking_bad_inputs():
    dup = [DOCS[0], Document("제1조", "", "다른 글", "t")]
    for fn in (chunk_by_structure, chunk_by_sentences, chunk_by_tokens):
        with pytest.raises(ValueError, match="중복된 문서 id.*'제1조'"):
            fn(dup)
        with pytest.raises(ValueError, match="docs 가 비어"):
            fn([])
    with pytest.raises(ValueError, match="본문이 비어"):
        chunk_by_structure([Document("x", "", "  ", "t")])
    with pytest.raises(ValueError, match="level"):
        chunk_by_structure(DOCS, "chapter")
    with pytest.raises(ValueError, match="overlap"):
        chunk_by_tokens(DOCS, window=3, overlap=3)
    with pytest.raises(ValueError, match="window"):
        chunk_by_tokens(DOCS, window=0)
    with pytest.raises(ValueError, match="n_sentences"):
        chunk_by_sentences(DOCS, n_sentences=0)
    with pytest.raises(TypeError, match="Document"):
        chunk_by_structure(["글"])


# ---------------------------------------------------------------------------------------------- 검색
def test_bm25_retriever_finds_article(bm25):
    hits = bm25.search("대통령은 몇 년 동안 일하나요?", 3)
    assert hits[0].chunk.id == "제70조" and [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score > hits[1].score
    assert bm25.search("국회의원 임기", 1)[0].chunk.id == "제42조"
    assert len(bm25.search("국민", 100)) == 5  # k 가 청크 수보다 크면 청크 수만큼


def test_bm25_matches_index_scores(bm25):
    # 검색기의 점수 = 같은 토큰으로 BM25Index.get_scores 를 부른 값 (rank-bm25 와 같은 점수는 test_bm25 가 본다)
    toks = bm25.query_tokens("대통령의 임기")
    assert toks == ["대통령", "임기"]
    full = bm25.index.get_scores(toks)
    hits = bm25.search("대통령의 임기", 5)
    for h in hits:
        assert h.score == full[bm25.chunks.index(h.chunk)]


def test_dense_retriever_backends_agree(chunks):
    enc = LSAEncoder([c.index_text() for c in chunks], dim=4)
    a = DenseRetriever(chunks, enc, backend="numpy")
    b = DenseRetriever(chunks, enc, backend="auto")
    for q in ("대통령 임기", "공무원은 누구에게 책임을 지나요"):
        ha, hb = a.search(q, 5), b.search(q, 5)
        assert [h.chunk.id for h in ha] == [h.chunk.id for h in hb]
        np.testing.assert_allclose([h.score for h in ha], [h.score for h in hb], atol=1e-5)
    assert a.search("대통령 임기", 1)[0].chunk.source == "제70조"


def _hits(ids):
    return [Hit(Chunk(i, i, source_of(i)), 0.0, r + 1) for r, i in enumerate(ids)]


def test_rrf_formula():
    fused = rrf_fuse([_hits(["a", "b", "c"]), _hits(["b", "d"])])
    score = {h.chunk.id: h.score for h in fused}
    assert score["b"] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert score["a"] == pytest.approx(1 / (RRF_K + 1))
    assert score["d"] == pytest.approx(1 / (RRF_K + 2))
    assert [h.chunk.id for h in fused] == ["b", "a", "d", "c"]  # a 와 d 는 동점 아님; c 는 1/63
    w = rrf_fuse([_hits(["a"]), _hits(["b"])], k=0, weights=[1, 2])
    assert [(h.chunk.id, h.score) for h in w] == [("b", 2.0), ("a", 1.0)]
    with pytest.raises(ValueError, match="weights"):
        rrf_fuse([_hits(["a"])], weights=[1, 2])
    with pytest.raises(ValueError, match="rankings"):
        rrf_fuse([])


def test_hybrid_retriever(chunks, bm25):
    dense = DenseRetriever(chunks, LSAEncoder([c.index_text() for c in chunks], dim=4), backend="numpy")
    hyb = HybridRetriever([bm25, dense], depth=5)
    hits = hyb.search("대통령의 임기는?", 2)
    assert len(hits) == 2 and hits[0].chunk.id == "제70조"
    assert hits[0].score <= 2 / (RRF_K + 1)


def test_retrieval_bad_inputs(chunks, bm25):
    for q in ("", "   ", "?!…"):
        with pytest.raises(ValueError, match="정규화 뒤 비어"):
            bm25.search(q, 3)
    with pytest.raises(ValueError, match="내용 형태소가 하나도"):
        bm25.search("무엇인가요?", 3)
    for k in (0, -2):
        with pytest.raises(ValueError, match="k 는 1 이상"):
            bm25.search("대통령", k)
    with pytest.raises(ValueError, match="chunks 가 비어"):
        BM25Retriever([])
    with pytest.raises(ValueError, match="청크 id 가 중복.*'x'"):
        BM25Retriever([Chunk("x", "가", "x"), Chunk("x", "나", "x")])
    with pytest.raises(TypeError, match="query"):
        normalize_query(3)
    assert normalize_query("  대통령\u3000 임기 ") == "대통령 임기"


# ---------------------------------------------------------------------------------------------- 평가
def test_metrics():
    ranked = ["제3조", "제1조", "제2조"]
    assert recall_at_k(ranked, ["제1조"], 1) == 0.0
    assert recall_at_k(ranked, ["제1조"], 2) == 1.0
    assert recall_at_k(ranked, ["제1조", "제9조"], 3) == 0.5
    assert reciprocal_rank(ranked, ["제2조", "제1조"]) == 0.5
    assert reciprocal_rank(ranked, ["제9조"]) == 0.0
    assert article_ranking(_hits(["제1조-①", "제2조", "제1조-②"])) == ["제1조", "제2조"]
    with pytest.raises(ValueError, match="gold"):
        recall_at_k(ranked, [], 1)
    with pytest.raises(ValueError, match="k 는 1 이상"):
        recall_at_k(ranked, ["제1조"], 0)


def test_answer_metrics_korean():
    assert exact_match("민주 공화국.", "민주공화국") == 1.0
    assert exact_match("민주공화국이다", "민주공화국") == 0.0
    assert char_f1("민주공화국이다", "민주공화국") == pytest.approx(2 * (5 / 7) * 1 / (5 / 7 + 1))
    assert char_f1("", "") == 1.0 and char_f1("가", "") == 0.0
    assert morph_f1("국회의 동의를", "국회 동의") == 1.0  # 조사·어미는 빼고 비교
    assert faithfulness("임기는 5년", ["대통령의 임기는 5년으로 한다."]) == 1.0
    assert faithfulness("임기는 7년", ["대통령의 임기는 5년으로 한다."]) == pytest.approx(
        2 / 3
    )  # 임기·년 은 있고 7 은 없다
    assert faithfulness(UNKNOWN, []) == 1.0


def test_choose_threshold():
    t = choose_threshold([5.0, 6.0, 9.0], [0.0, 1.0, 5.5])
    assert 1.0 < t <= 5.0
    assert choose_threshold([2.0], [1.0]) == pytest.approx(1.5)
    # 손해가 크면 더 조심스럽게 (더 높은 임계값): 5.5 짜리 음성에 답하지 않도록 올라간다
    assert choose_threshold([5.0, 6.0, 9.0], [0.0, 1.0, 5.5], cost=3.0) == pytest.approx(5.75)
    with pytest.raises(ValueError, match="cost"):
        choose_threshold([1.0], [0.0], cost=-1.0)
    with pytest.raises(ValueError, match="비어 있지 않아야"):
        choose_threshold([], [1.0])


# ---------------------------------------------------------------------------------------------- 생성
def test_build_prompt_cites_chunk_ids(bm25):
    hits = bm25.search("대통령 임기", 2)
    p = build_prompt("대통령 임기는?", hits, max_chunks=2)
    assert "[제70조] 대통령의 임기는 5년" in p and p.endswith("질문: 대통령 임기는?\n답:")
    assert p.count("\n[") == 2
    short = build_prompt("대통령 임기는?", hits, max_chunks=2, max_chars=10)
    assert short.count("\n[") == 1  # 넘치는 청크는 자르지 않고 빼고, 첫 청크는 싣는다


def test_extractive_answer_and_pipeline(bm25):
    text, cid = extractive_answer("대통령을 중임할 수 있나요?", bm25.search("대통령 중임", 1))
    assert cid == "제70조" and "중임할 수 없다" in text
    assert faithfulness(text, [bm25.search("대통령 중임", 1)[0].chunk.text]) == 1.0
    with pytest.raises(ValueError, match="hits"):
        extractive_answer("대통령", [])
    pipe = RAGPipeline(bm25, threshold=1.0, confidence=bm25_confidence(bm25))
    ans = pipe.answer("대통령의 임기는 몇 년인가요?")
    assert ans.method == "extractive" and ans.citations == ["제70조"] and "5년" in ans.text
    off = pipe.answer("피자를 맛있게 굽는 온도는?")
    assert off.text == UNKNOWN and off.citations == [] and off.method == "abstain"


# ---------------------------------------------------------------------------------------------- 실제 헌법
@pytest.fixture(scope="module")
def real_bm25():
    return BM25Retriever(chunk_by_structure(constitution_documents(), "paragraph"), with_title=False)


def test_constitution_bm25_dev_recall_and_threshold(real_bm25):
    from llmnotes.loaders import load_constitution_qa

    qa = load_constitution_qa("dev")
    m = evaluate_retrieval(
        real_bm25, [q.question for q in qa], [[f"제{a}조" for a in q.articles] for q in qa]
    )
    assert m["recall@5"] >= 0.7 and m["recall@1"] >= 0.5 and m["MRR"] >= 0.6
    conf = bm25_confidence(real_bm25)
    # 헌법과 상관없는 질문은 기본 임계값에서 모두 '모름'
    assert all(conf(q, []) < DEFAULT_THRESHOLD for q in OUT_OF_SCOPE_DEV + OUT_OF_SCOPE_TEST)


def test_pipeline_with_tiny_random_gpt_fits_context(bm25):
    # 무작위 가중치의 아주 작은 GPT-2 (허브 없이 설정에서 만든다): 프롬프트가 문맥 길이 안에 들어가고 인용이 붙는다.
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<|endoftext|>", "<pad>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    raw.train_from_iterator([d.text for d in DOCS] + ["질문 답 근거 조문"], trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, eos_token="<|endoftext|>", pad_token="<pad>")
    torch.manual_seed(0)
    cfg = GPT2Config(
        vocab_size=len(tok), n_positions=256, n_embd=16, n_layer=1, n_head=2, bos_token_id=0, eos_token_id=0
    )
    model = GPT2LMHeadModel(cfg).eval()
    pipe = RAGPipeline(bm25, model=model, tokenizer=tok, max_new_tokens=8)
    ans = pipe.answer("대통령의 임기는 몇 년인가요?")
    assert ans.method == "gpt" and ans.citations and set(ans.citations) <= {h.chunk.id for h in ans.hits}
    assert len(tok(ans.prompt)["input_ids"]) + 8 <= 256
    assert ans.prompt.endswith("답:") and f"[{ans.citations[0]}]" in ans.prompt
    tiny = RAGPipeline(
        bm25,
        model=GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_positions=12, n_embd=8, n_layer=1, n_head=2)),
        tokenizer=tok,
    )
    with pytest.raises(ValueError, match="모델 문맥"):
        tiny.fit_prompt("대통령의 임기는 몇 년인가요?", bm25.search("대통령 임기", 3))
    fallback = tiny.answer("대통령의 임기는 몇 년인가요?")  # 근거가 문맥에 안 들어가면 추출식 답
    assert fallback.method == "extractive" and fallback.citations == ["제70조"]
