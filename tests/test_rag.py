"""RAG: 청킹(id ↔ 출처), BM25·밀집·하이브리드(RRF) 검색, 프롬프트, 추출식 답, '모름', 평가 지표, 잘못된 입력."""

from __future__ import annotations

import json
import re
import unicodedata

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
    QUESTION_INDEXED,
    RRF_K,
    UNKNOWN,
    ArticleNote,
    BM25Retriever,
    Chunk,
    DenseRetriever,
    Hit,
    HybridRetriever,
    RAGPipeline,
    article_ranking,
    best_per_source,
    bm25_confidence,
    build_prompt,
    char_f1,
    choose_threshold,
    chunk_by_sentences,
    chunk_by_structure,
    chunk_by_tokens,
    constitution_documents,
    constitution_retrievers,
    evaluate_retrieval,
    exact_match,
    expand_chunks,
    extractive_answer,
    faithfulness,
    load_article_notes,
    load_article_questions,
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
        with pytest.raises(ValueError, match="docs가 비어"):
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
        with pytest.raises(ValueError, match="k는 1 이상"):
            bm25.search("대통령", k)
    with pytest.raises(ValueError, match="chunks가 비어"):
        BM25Retriever([])
    with pytest.raises(ValueError, match="청크 id가 중복.*'x'"):
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
    with pytest.raises(ValueError, match="k는 1 이상"):
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
def _dev():
    from llmnotes.loaders import load_constitution_qa

    qa = load_constitution_qa("dev")
    return [q.question for q in qa], [[f"제{a}조" for a in q.articles] for q in qa]


@pytest.fixture(scope="module")
def real_bm25():
    return BM25Retriever(chunk_by_structure(constitution_documents(), "paragraph"), with_title=False)


@pytest.fixture(scope="module")
def retrievers():
    return constitution_retrievers()


def test_constitution_bm25_dev_recall(real_bm25):
    # 문서 확장 없는 BM25 (조문 글만): 개발 분할에서 잰 값 recall@5 0.773, recall@1 0.580, MRR 0.670
    m = evaluate_retrieval(real_bm25, *_dev())
    assert m["recall@5"] >= 0.772 and m["recall@1"] >= 0.579 and m["MRR"] >= 0.669
    conf = bm25_confidence(real_bm25)
    # 확장 없는 색인에서는 헌법과 상관없는 질문이 기본 임계값에서 모두 '모름'
    assert all(conf(x, []) < DEFAULT_THRESHOLD for x in OUT_OF_SCOPE_DEV + OUT_OF_SCOPE_TEST)


def test_constitution_retrievers_dev_recall_and_threshold(retrievers):
    # 노트 + 조문별 질문(BM25·글자 BM25 색인에만; 개발 분할에서 고른 조합)으로 확장한 색인. 개발 분할에서 잰 값:
    #   BM25 recall@1 0.898, recall@5 1.000 / 하이브리드 recall@1 0.966, recall@5 1.000, MRR 0.989
    #   (질문 없이 노트만 붙인 이전 설정: BM25 0.852 / 0.932, 하이브리드 0.875 / 0.977)
    q, g = _dev()
    m = evaluate_retrieval(retrievers["BM25"], q, g)
    assert m["recall@5"] >= 0.99 and m["recall@1"] >= 0.89 and m["MRR"] >= 0.95
    h = evaluate_retrieval(retrievers["하이브리드"], q, g)
    assert h["recall@5"] >= 0.99 and h["recall@1"] >= 0.96 and h["MRR"] >= 0.98
    assert h["recall@1"] > 0.875  # 노트만 붙인 이전 설정보다 좋다
    conf = bm25_confidence(retrievers["BM25"])
    # 임계값을 고를 때 쓴 헌법 밖 개발 질문은 모두 '모름'. 확인용 시험 질문은 8개 중 6개가 '모름'
    # (잰 값: 질문 파일의 '몇 번'·'며칠' 이 '강아지 산책은 하루에 몇 번…', '우유는 냉장고에 며칠…' 과 맞아 임계값을 넘는다.
    # 노트만 붙인 이전 색인에서는 8개 중 7개였다: 문서 확장이 '모름' 판정을 약하게 하는 대가)
    assert all(conf(x, []) < DEFAULT_THRESHOLD for x in OUT_OF_SCOPE_DEV)
    assert sum(conf(x, []) < DEFAULT_THRESHOLD for x in OUT_OF_SCOPE_TEST) >= 6
    # 하이브리드는 조문 단위로 합치므로 결과의 출처가 겹치지 않는다
    srcs = [x.chunk.source for x in retrievers["하이브리드"].search("대통령의 임기", 10)]
    assert len(srcs) == len(set(srcs)) == 10
    # 질문은 QUESTION_INDEXED 검색기의 색인에만 붙는다 (청크 id 와 원문은 모두 같다)
    assert QUESTION_INDEXED == ("BM25", "글자 BM25")
    for name in ("BM25", "글자 BM25", "LSA", "바이-인코더"):
        c = next(c for c in retrievers[name].chunks if c.source == "제14조")
        assert ("원하는 곳으로 이사 갈 수 있나요?" in c.expansion) == (name in QUESTION_INDEXED)
    ids = [[c.id for c in retrievers[n].chunks] for n in QUESTION_INDEXED + ("LSA",)]
    assert ids[0] == ids[1] == ids[2]


def test_constitution_retrievers_question_option_bad_inputs():
    with pytest.raises(ValueError, match="모르는 검색기 이름.*'BM52'"):
        constitution_retrievers(questions=("BM52",))
    with pytest.raises(TypeError, match="questions는 검색기 이름"):
        constitution_retrievers(questions="BM25")


# ---------------------------------------------------------------------------------------------- 문서 확장
def test_article_notes_cover_every_article_once():
    from llmnotes.corpora import constitution_articles
    from llmnotes.paths import data_dir

    notes = load_article_notes()
    expected = [a.id for a in constitution_articles("전체")]
    assert len(expected) == 136 and list(notes) == expected  # 본문 제1–130조, 부칙 제1–6조, 순서대로 한 번씩
    lines = (data_dir() / "rag" / "article_notes.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 136 and len({json.loads(ln)["id"] for ln in lines}) == 136  # 파일에도 중복이 없다
    for ln in lines:
        assert unicodedata.normalize("NFC", ln) == ln  # 파일 자체가 NFC
    for n in notes.values():
        assert isinstance(n, ArticleNote) and n.title.strip() and len(n.keywords) >= 4
        assert all(k.strip() == k and k for k in n.keywords)
        assert len(set(n.keywords)) == len(n.keywords)
        assert n.text().startswith(n.title + "\n")


def _write_notes(path, recs):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", encoding="utf-8")
    return path


def test_load_article_notes_bad_inputs_and_nfc(tmp_path):
    good = {"id": "제1조", "part": "본문", "number": 1, "title": "국민 주권", "keywords": ["나라의 주인"]}
    nfd = dict(good, title=unicodedata.normalize("NFD", "국민 주권"))
    notes = load_article_notes(_write_notes(tmp_path / "a.jsonl", [nfd]))
    assert notes["제1조"].title == "국민 주권"  # NFD 는 NFC 로 정규화한다
    cases = [
        ([good, good], "중복"),
        ([dict(good, keywords=[])], "keywords'가 비어"),
        ([dict(good, keywords=["  "])], "비어 있지 않은 문자열"),
        ([dict(good, title=" ")], "'title'의 값이 빈 문자열"),
        ([{k: v for k, v in good.items() if k != "title"}], "필수 필드가 빠졌습니다: 'title'"),
        ([dict(good, number=2)], "id가 part·number로 만든 값과 다릅니다: '제1조' ≠ '제2조'"),
        ([dict(good, part="별표")], "'part'"),
        ([dict(good, number="1")], "'number'의 값은 int 타입"),
    ]
    for recs, msg in cases:
        with pytest.raises(ValueError, match=msg):
            load_article_notes(_write_notes(tmp_path / "b.jsonl", recs))
    (tmp_path / "c.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="c.jsonl:1"):
        load_article_notes(tmp_path / "c.jsonl")
    with pytest.raises(FileNotFoundError, match="없습니다"):
        load_article_notes(tmp_path / "none.jsonl")


def test_article_questions_cover_every_article_once():
    # 두 번째 사람이 평가 질문을 보지 않고 쓴 조문별 질문 (data/rag/README.md)
    from llmnotes.corpora import constitution_articles
    from llmnotes.paths import data_dir

    qs = load_article_questions()
    expected = [a.id for a in constitution_articles("전체")]
    assert list(qs) == expected  # 본문 제1–130조, 부칙 제1–6조, 순서대로 한 번씩 (노트 파일과 같은 순서)
    assert list(qs) == list(load_article_notes())
    lines = (data_dir() / "rag" / "article_questions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 136 and len({json.loads(ln)["id"] for ln in lines}) == 136
    for ln in lines:
        assert unicodedata.normalize("NFC", ln) == ln  # 파일 자체가 NFC
        assert set(json.loads(ln)) == {"id", "questions"}
    flat = [q for v in qs.values() for q in v]
    assert len(flat) == len(set(flat))  # 파일 전체에서 중복 질문이 없다
    for v in qs.values():
        assert 4 <= len(v) <= 8 and all(q and q.strip() == q for q in v)
        assert all(q.endswith("?") for q in v)  # 모두 질문 꼴


def test_load_article_questions_bad_inputs_and_nfc(tmp_path):
    good = {"id": "제1조", "questions": ["나라의 주인은 누구예요?"]}
    nfd = {"id": "제1조", "questions": [unicodedata.normalize("NFD", "나라의 주인은 누구예요?")]}
    assert load_article_questions(_write_notes(tmp_path / "a.jsonl", [nfd]))["제1조"] == (
        "나라의 주인은 누구예요?",
    )  # NFD 는 NFC 로 정규화한다
    cases = [
        ([good, good], "'id'의 값 '제1조': 1번째 줄과 중복"),
        ([dict(good, questions=[])], "questions'가 비어"),
        ([dict(good, questions=["  "])], "비어 있지 않은 문자열"),
        ([dict(good, questions=["왜요?", "왜요?"])], "질문이 중복.*'왜요\\?'"),
        ([dict(good, questions="왜요?")], "'questions'의 값은 list 타입"),
        ([{"questions": ["왜요?"]}], "필수 필드가 빠졌습니다: 'id'"),
        ([dict(good, id=" ")], "'id'의 값이 빈 문자열"),
    ]
    for recs, msg in cases:
        with pytest.raises(ValueError, match=msg):
            load_article_questions(_write_notes(tmp_path / "b.jsonl", recs))
    (tmp_path / "c.jsonl").write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="c.jsonl:1.*JSON 객체"):
        load_article_questions(tmp_path / "c.jsonl")
    (tmp_path / "d.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match="비어 있습니다"):
        load_article_questions(tmp_path / "d.jsonl")
    with pytest.raises(FileNotFoundError, match="없습니다"):
        load_article_questions(tmp_path / "none.jsonl")


def test_expand_chunks_with_questions(chunks):
    notes = {
        d.id: ArticleNote(d.id, "본문", int(d.id[1:-1]), f"쉬운 말 {d.id}", ("바꿔 말하기",)) for d in DOCS
    }
    qs = {d.id: (f"{d.id} 는 뭐예요?", "몇 번까지 할 수 있나요?") for d in DOCS}
    ex = expand_chunks(chunks, notes, questions=qs)
    assert [c.text for c in ex] == [c.text for c in chunks]  # 원문은 그대로
    c70 = next(c for c in ex if c.source == "제70조")
    assert c70.expansion == "쉬운 말 제70조\n바꿔 말하기\n제70조 는 뭐예요?\n몇 번까지 할 수 있나요?"
    # 질문으로만 맞는 질의: 질문을 붙이면 찾는다
    assert BM25Retriever(ex).search("연임은 몇 번까지", 1)[0].score > 0
    assert expand_chunks(chunks, notes, questions=None) == expand_chunks(chunks, notes)
    partial = {k: v for k, v in qs.items() if k != "제42조"}
    with pytest.raises(ValueError, match="questions에 없는 출처.*제42조"):
        expand_chunks(chunks, notes, questions=partial)
    kept = expand_chunks(chunks, notes, require_all=False, questions=partial)
    assert next(c for c in kept if c.source == "제42조").expansion == "쉬운 말 제42조\n바꿔 말하기"
    with pytest.raises(TypeError, match="questions"):
        expand_chunks(chunks, notes, questions=list(qs.items()))


def test_expand_chunks_only_touches_the_index(chunks):
    notes = {
        d.id: ArticleNote(
            d.id, "본문", int(d.id[1:-1]), f"쉬운 말 {d.id}", ("바꿔 말하기", "몇 년 동안 일하나")
        )
        for d in DOCS
    }
    ex = expand_chunks(chunks, notes)
    assert [c.id for c in ex] == [c.id for c in chunks] and [c.text for c in ex] == [c.text for c in chunks]
    c70 = next(c for c in ex if c.source == "제70조")
    assert c70.expansion == "쉬운 말 제70조\n바꿔 말하기, 몇 년 동안 일하나"
    assert c70.index_text() == f"{c70.title}\n{c70.text}\n{c70.expansion}"
    assert c70.index_text(with_expansion=False) == f"{c70.title}\n{c70.text}"
    assert c70.index_text(False, False) == c70.text
    # 확장 글로만 맞는 질의: 확장하면 찾고, 확장을 끄면 점수가 없다
    hit = BM25Retriever(ex).search("바꿔 말하기", 1)[0]
    assert hit.score > 0
    assert BM25Retriever(ex, with_expansion=False).search("바꿔 말하기", 1)[0].score == 0.0
    partial = {k: v for k, v in notes.items() if k != "제42조"}
    with pytest.raises(ValueError, match="노트|notes에 없는 출처.*제42조"):
        expand_chunks(chunks, partial)
    kept = expand_chunks(chunks, partial, require_all=False)
    assert next(c for c in kept if c.source == "제42조").expansion == ""
    with pytest.raises(TypeError, match="notes"):
        expand_chunks(chunks, list(notes.values()))


def test_char_bm25_matches_inflected_words(chunks):
    # '뽑힌' 과 '뽑힐' 은 형태소가 달라도 글자 2-그램 '뽑히'·'<뽑' 을 나눈다
    docs = [
        Document("가", "", "국회의원은 선거로 뽑힌 사람이다.", "t"),
        Document("나", "", "법관은 독립한다.", "t"),
    ]
    ch = chunk_by_structure(docs)
    char = BM25Retriever(ch, analyzer="char", name="글자 BM25")
    assert char.name == "글자 BM25"
    toks = char.query_tokens("누가 뽑힐까?")
    assert any(t.startswith("c:") for t in toks) and "m:무엇" not in toks
    assert char.search("누가 뽑힐까?", 1)[0].chunk.id == "가"
    with pytest.raises(ValueError, match="analyzer"):
        BM25Retriever(ch, analyzer="jamo")
    with pytest.raises(ValueError, match="내용 형태소가 하나도"):
        char.search("무엇인가요?", 1)


def test_best_per_source_and_source_fusion(chunks, bm25):
    hits = _hits(["제1조-①", "제1조-②", "제7조-①", "제42조"])
    best = best_per_source(hits)
    assert [(h.chunk.id, h.rank) for h in best] == [("제1조-①", 1), ("제7조-①", 2), ("제42조", 3)]

    class Fixed:
        def __init__(self, ids):
            self.hits = _hits(ids)
            self.chunks = [h.chunk for h in self.hits]

        def search(self, query, k=10):
            return self.hits[:k]

    a = Fixed(["제1조-①", "제1조-②", "제7조-①"])
    b = Fixed(["제1조-②", "제7조-①", "제1조-①"])
    fused = HybridRetriever([a, b], fuse_by="source", depth=3, weights=[1.0, 1.0]).search("q", 5)
    # 조문 단위: 제1조 = 1/61 + 1/61, 제7조 = 1/62 + 1/62. 대표 청크는 첫 검색기(동률)의 것
    assert [(h.chunk.id, round(h.score, 6)) for h in fused] == [
        ("제1조-①", round(2 / (RRF_K + 1), 6)),
        ("제7조-①", round(2 / (RRF_K + 2), 6)),
    ]
    by_chunk = HybridRetriever([a, b], fuse_by="chunk", depth=3).search("q", 5)
    assert len(by_chunk) == 3  # 청크 단위면 같은 조문의 두 항이 따로 남는다
    heavy = HybridRetriever([a, b], fuse_by="source", depth=3, weights=[1.0, 2.0]).search("q", 1)
    assert heavy[0].chunk.id == "제1조-②"  # 가중치가 큰 검색기의 대표 청크
    with pytest.raises(ValueError, match="fuse_by"):
        HybridRetriever([a], fuse_by="article")
    with pytest.raises(ValueError, match="weights의 개수"):
        HybridRetriever([a, b], weights=[1.0])


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


# ---------------------------------------------------------------------------------------------- 가짜 질문과 가중 융합
def test_fit_logistic_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    from llmnotes.rag import fit_logistic

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(size=200) > 0).astype(float)
    for c in (0.1, 1.0, 10.0):
        w, b = fit_logistic(x, y, c)
        ref = LogisticRegression(C=c, tol=1e-10, max_iter=1000).fit(x, y)
        # 같은 목적 함수(½‖w‖² + C Σ 로그 손실, 절편 규제 없음): 허용 오차 1e-6
        np.testing.assert_allclose(w, ref.coef_[0], atol=1e-6)
        assert abs(b - ref.intercept_[0]) < 1e-6
    with pytest.raises(ValueError, match="y는 0과 1"):
        fit_logistic(x, np.ones(200))
    with pytest.raises(ValueError, match="x는"):
        fit_logistic(x, y[:10])
    with pytest.raises(ValueError, match="c는 양수"):
        fit_logistic(x, y, c=0.0)


def test_pseudo_questions_come_from_documents(chunks):
    from llmnotes.rag import analyze, pseudo_questions

    notes = {
        "제70조": ArticleNote("제70조", "본문", 70, "대통령 임기", ("대통령 임기", "5년", "다시 못 함")),
    }
    pq = pseudo_questions(chunks, notes, per_source=3, seed=0)
    assert pq == pseudo_questions(chunks, notes, per_source=3, seed=0)  # 같은 시드면 같은 질문
    assert [s for _, s in pq] == [s for s in dict.fromkeys(c.source for c in chunks) for _ in range(3)]
    for q, src in pq:
        text = " ".join(c.text for c in chunks if c.source == src)
        allowed = set(text.split()) | set(analyze(text))  # 원문 어절, 원문 내용 형태소
        if src in notes:
            allowed |= set(notes[src].text().replace(",", " ").split())  # 노트 구절의 어절
        assert analyze(q) and set(q.split()) <= allowed  # 질문의 어절은 모두 그 출처의 글(과 노트)에서 왔다
    with pytest.raises(ValueError, match="per_source"):
        pseudo_questions(chunks, per_source=0)
    with pytest.raises(ValueError, match="drop"):
        pseudo_questions(chunks, drop=1.0)
    with pytest.raises(TypeError, match="notes"):
        pseudo_questions(chunks, notes=["제70조"])


def test_fusion_features_are_rrf_terms(chunks, bm25):
    from llmnotes.rag import fit_fusion_weights, fusion_features

    char = BM25Retriever(chunks, analyzer="char", name="글자 BM25")
    cands, x = fusion_features([bm25, char], "대통령의 임기는?", depth=3)
    assert cands[0] == "제70조" and x.shape == (3, 2)
    ranks = [
        {h.chunk.source: h.rank for h in best_per_source(r.search("대통령의 임기는?", 10))}
        for r in (bm25, char)
    ]
    for s, row in zip(cands, x, strict=True):
        expected = [
            RRF_K / (RRF_K + rk.get(s, 5)) for rk in ranks
        ]  # k / (k + rank_r), 없으면 (출처 수 + 1) 위
        np.testing.assert_allclose(row, expected)
    w = fit_fusion_weights([bm25, char], [("대통령 임기", "제70조"), ("국회의원 임기", "제42조")], depth=4)
    assert w.shape == (2,) and np.all(np.isfinite(w))
    with pytest.raises(ValueError, match="questions가 비어"):
        fit_fusion_weights([bm25], [])
    with pytest.raises(TypeError, match="questions\\[0\\]"):
        fit_fusion_weights([bm25], ["대통령 임기"])
    with pytest.raises(ValueError, match="k는 1 이상"):
        fusion_features([bm25], "대통령", depth=0)


def test_learned_fusion_weights_on_dev(retrievers):
    # 가짜 질문(헌법 + 노트, 출처마다 1개, seed 0)으로 배운 가중 RRF. 개발 분할에서 잰 값: recall@1 0.966,
    # recall@5 1.000 — 같은 가중치 RRF(0.966, 1.000)보다 낫지 않아서 채택하지 않았다 (노트북 15 의 4절).
    # (노트만 붙인 이전 색인에서는 0.864 / 0.966 대 같은 가중치 RRF 0.875 / 0.977.)
    from llmnotes.rag import fit_fusion_weights, pseudo_questions

    base = [retrievers[n] for n in ("BM25", "글자 BM25", "LSA", "바이-인코더")]
    pq = pseudo_questions(base[0].chunks, load_article_notes(), per_source=1, seed=0)
    assert len(pq) == 130
    w = fit_fusion_weights(base, pq)
    assert np.all(w > 0) and int(np.argmax(w)) == 3  # 가짜 질문에서는 바이-인코더를 가장 믿게 된다
    h = HybridRetriever(base, depth=len(base[0].chunks), fuse_by="source", weights=list(w))
    m = evaluate_retrieval(h, *_dev(), ks=(1, 5))
    assert m["recall@1"] >= 0.96 and m["recall@5"] >= 0.99
