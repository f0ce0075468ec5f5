"""척추(spine) 모델 평가 레시피: 문법 유창성과 공유 텍스트 위 문자당 비트를 재서 모델 폴더에 ``eval.json`` 으로 쓴다.

실행 (저장소 최상위에서, 학습이 끝난 모델 폴더에)::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=2 python -m llmnotes.recipes.spine_eval --model data/models/tiny-ko-llama

재는 것 (설정은 결과를 보기 전에 정했다: 온도 0.8·top-k 50, 프롬프트 200개, 새 토큰 최대 64개):

1. **유창성**: 검증 문서 200개의 첫 두 어절을 프롬프트로 샘플링하고, 프롬프트를 포함한 첫 문장을
   :func:`llmnotes.world.grammar.check_sentence` (``require_ending=True``: 종결 어미 없이 끝나면 위반)로 검사한다.
   통과율, Kiwi 건전성(미등록 형태소 없는 문장 비율), 학습 문서에 그대로 있는 문장의 비율(베끼기)을 함께 적는다.
   같은 프롬프트로 탐욕적 디코딩과 온도 1.0 샘플링의 통과율, 이전 모델(tiny-ko-gpt)의 통과율도 적는다.
2. **문자당 비트(BPC)**: 두 모델이 모두 보지 않은 공유 텍스트(프로젝트 리뷰·지시 데이터의 test 부분)와,
   각 모델의 검증 텍스트에서. BPC 는 토크나이저와 무관하게 비교할 수 있다 (``llmnotes.pretrain.bits_per_character``).

검사기는 규칙 기반이다: 조사·시제·높임·띄어쓰기·종결 어미를 보지만 뜻이 맞는지는 보지 않는다.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from ..checks import POSITIVE, check_fields, check_int
from ..corpora import Document
from ..pretrain import bits_per_character, evaluate, n_characters, stream_ids

__all__ = ["EvalConfig", "fluency", "shared_text", "run", "main"]

EOS = "<|endoftext|>"


@dataclass
class EvalConfig:
    """평가 설정.

    Args:
        n_prompts: 프롬프트(= 검사할 문장) 수.
        prompt_words: 검증 문서 첫머리에서 떼어 프롬프트로 쓸 어절 수.
        max_new_tokens: 프롬프트 뒤에 만들 최대 토큰 수.
        temperature: 주 설정의 샘플링 온도.
        top_k: 주 설정의 top-k.
        seed: 샘플링 시드.
    """

    n_prompts: int = 200
    prompt_words: int = 2
    max_new_tokens: int = 64
    temperature: float = 0.8
    top_k: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_prompts", "prompt_words", "max_new_tokens", "top_k", "seed"):
            check_int(getattr(self, name), name, low=0 if name == "seed" else 1)
        check_fields(self, temperature=POSITIVE)


def _tokenizer(folder: Path):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(folder / "tokenizer.json"))


def prompts_from(docs: list[Document], n: int, words: int) -> list[str]:
    """문서들의 첫 줄 첫 ``words`` 어절을 프롬프트로 (어절이 ``words`` 개보다 적은 줄은 건너뛴다)."""
    out = []
    for d in docs:
        parts = d.text.split("\n", 1)[0].split()
        if len(parts) > words:
            out.append(" ".join(parts[:words]))
        if len(out) == n:
            return out
    raise ValueError(f"n_prompts={n}개의 프롬프트를 만들 만큼 문서가 없습니다 (지금 {len(out)}개)")


@torch.no_grad()
def _first_sentences(model, tok, prompts: list[str], cfg: EvalConfig, mode: str) -> list[str]:
    """프롬프트마다 이어 쓰고, 프롬프트를 포함한 첫 문장을 돌려준다 (문서 끝 토큰에서 멈춘다)."""
    from ..world import text_sentences

    eos = tok.token_to_id(EOS)
    out = []
    for k, p in enumerate(prompts):
        ids = torch.tensor([tok.encode(p).ids])
        n = min(cfg.max_new_tokens, _context(model) - ids.size(1))
        kw: dict[str, Any] = {"eos_token_id": eos}
        if mode == "greedy":
            seq = model.generate(ids, n, **kw)
        else:
            temp = cfg.temperature if mode == "main" else 1.0
            top_k = cfg.top_k if mode == "main" else None
            seq = model.generate(
                ids, n, do_sample=True, temperature=temp, top_k=top_k, seed=cfg.seed + k, **kw
            )
        new = seq[0, ids.size(1) :].tolist()
        if eos in new:
            new = new[: new.index(eos)]
        sents = text_sentences(p + tok.decode(new))
        out.append(sents[0] if sents else p)
    return out


def _context(model) -> int:
    """모델의 최대 문맥 길이 (우리 Llama: ``max_seq_len``, 우리 GPT: ``block_size``)."""
    return getattr(model.config, "max_seq_len", None) or model.config.block_size


def _score(sentences: list[str], train_sentences: set[str]) -> dict[str, Any]:
    from ..world import check_sentences, kiwi_sanity

    verdicts = check_sentences(sentences, require_ending=True)
    failed = [(s, v) for s, v in zip(sentences, verdicts, strict=True) if v]
    return {
        "n": len(sentences),
        "passed": len(sentences) - len(failed),
        "pass_rate": round(1 - len(failed) / len(sentences), 4),
        "kiwi_no_unknown": round(kiwi_sanity(sentences)["no_unknown"], 4),
        "copied_from_train": round(sum(s in train_sentences for s in sentences) / len(sentences), 4),
        "failures": [{"sentence": s, "violations": v} for s, v in failed[:20]],
        "examples": sentences[:10],
    }


def fluency(
    model, tok, prompts: list[str], cfg: EvalConfig, train_sentences: set[str], modes: tuple[str, ...]
):
    """모드(``main``: 주 설정 샘플링, ``t1``: 온도 1.0 샘플링, ``greedy``)마다 첫 문장들의 문법 검사 결과."""
    return {m: _score(_first_sentences(model, tok, prompts, cfg, m), train_sentences) for m in modes}


def shared_text() -> list[Document]:
    """두 모델이 모두 학습에 쓰지 않은 텍스트: 프로젝트 리뷰·지시 데이터의 test 부분."""
    from ..loaders import load_instructions, load_reviews

    docs = [Document(f"review-{k}", "", rv.text, "reviews") for k, rv in enumerate(load_reviews("test"))]
    for k, i in enumerate(load_instructions("test")):
        text = "\n".join(x for x in (i.instruction, i.input, i.output) if x)
        docs.append(Document(f"instruction-{k}", "", text, "instructions"))
    return docs


def _bpc(model, tok, docs: list[Document], block: int) -> float:
    eos = tok.token_to_id(EOS)
    ids = stream_ids(docs, lambda t: tok.encode(t).ids, eos)
    nll, n = evaluate(model, ids, block)
    return round(bits_per_character(nll, n, n_characters(docs)), 4)


def run(model_dir: str | Path, old_dir: str | Path, cfg: EvalConfig) -> dict[str, Any]:
    """평가를 실행하고 ``model_dir/eval.json`` 을 쓴다.

    Args:
        model_dir: :mod:`llmnotes.recipes.spine` 의 결과 폴더 (``recipe.json`` 으로 검증 문서를 다시 만든다).
        old_dir: 비교할 이전 모델(우리 GPT) 폴더.
        cfg: :class:`EvalConfig`.
    """
    from ..gpt import load_pretrained as load_gpt
    from ..llama_hf import load_pretrained
    from ..pretrain import validation_documents
    from ..world import text_sentences
    from .spine import corpus_split

    t0 = time.perf_counter()
    model_dir, old_dir = Path(model_dir), Path(old_dir)
    rec = json.loads((model_dir / "recipe.json").read_text(encoding="utf-8"))
    c = rec["config"]
    train_docs, val_docs = corpus_split(c["corpus_chars"], c["val_fraction"], c["data_seed"])
    digest = hashlib.sha256(EOS.join(d.text for d in val_docs).encode("utf-8")).hexdigest()
    if digest != rec["data"]["validation_sha256"]:
        raise ValueError(f"다시 만든 검증 문서의 해시가 recipe.json과 다릅니다: {digest[:12]}")
    train_sentences = {s for d in train_docs for s in text_sentences(d.text)}

    model, tok = load_pretrained(model_dir), _tokenizer(model_dir)
    old, old_tok = load_gpt(old_dir), _tokenizer(old_dir)
    old_rec = json.loads((old_dir / "recipe.json").read_text(encoding="utf-8"))
    prompts = prompts_from(val_docs, cfg.n_prompts, cfg.prompt_words)

    result: dict[str, Any] = {
        "recipe": "llmnotes.recipes.spine_eval",
        "config": asdict(cfg),
        "model": model_dir.name,
        "grammar_checker": "llmnotes.world.grammar.check_sentence(require_ending=True)",
        "prompts": "검증 문서 첫 줄의 첫 어절들 (모델이 학습하지 않은 문서)",
        "fluency": fluency(model, tok, prompts, cfg, train_sentences, ("main", "t1", "greedy")),
        "fluency_old_model": fluency(old, old_tok, prompts, cfg, train_sentences, ("main",)),
    }
    shared = shared_text()
    old_val = validation_documents(old_rec)
    block_new, block_old = _context(model), _context(old)
    result["bits_per_character"] = {
        "shared_text": {
            "what": "프로젝트 리뷰·지시 데이터의 test 부분 (두 모델 모두 학습에 쓰지 않음)",
            "n_docs": len(shared),
            "n_chars": n_characters(shared),
            "tiny-ko-llama": _bpc(model, tok, shared, block_new),
            "tiny-ko-gpt": _bpc(old, old_tok, shared, block_old),
        },
        "spine_validation": {
            "what": "tiny-ko-llama 의 검증 문서 (세계 말뭉치; tiny-ko-gpt 는 이런 글을 본 적 없음)",
            "tiny-ko-llama": _bpc(model, tok, val_docs, block_new),
            "tiny-ko-gpt": _bpc(old, old_tok, val_docs, block_old),
        },
        "old_validation": {
            "what": "tiny-ko-gpt 의 검증 문서 (헌법·의안·옛 생성기 문장; 헌법·의안 조각 일부는 tiny-ko-llama 의 학습 문서에 있다)",
            "tiny-ko-llama": _bpc(model, tok, old_val, block_new),
            "tiny-ko-gpt": _bpc(old, old_tok, old_val, block_old),
            "tiny-ko-gpt_recorded": old_rec["results"]["val_bits_per_char"],
        },
    }
    result["seconds"] = round(time.perf_counter() - t0, 1)
    (model_dir / "eval.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """명령줄 진입점."""
    parser = argparse.ArgumentParser(
        prog="python -m llmnotes.recipes.spine_eval", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--model", required=True, help="평가할 모델 폴더 (recipes.spine 의 결과)")
    parser.add_argument("--old", default="data/models/tiny-ko-gpt", help="비교할 이전 모델 폴더")
    parser.add_argument("--n-prompts", type=int, default=EvalConfig.n_prompts)
    args = parser.parse_args(argv)
    res = run(args.model, args.old, EvalConfig(n_prompts=args.n_prompts))
    f, b = res["fluency"], res["bits_per_character"]
    print(
        f"유창성 (온도 {res['config']['temperature']}, top-k {res['config']['top_k']}): "
        f"{f['main']['passed']}/{f['main']['n']} = {f['main']['pass_rate']:.3f}; 온도 1.0 {f['t1']['pass_rate']:.3f}; "
        f"탐욕적 {f['greedy']['pass_rate']:.3f}; 이전 모델 {res['fluency_old_model']['main']['pass_rate']:.3f}"
    )
    for k, v in b.items():
        print(f"BPC {k}: tiny-ko-llama {v['tiny-ko-llama']:.4f}, tiny-ko-gpt {v['tiny-ko-gpt']:.4f}")
    return res


if __name__ == "__main__":
    main()
