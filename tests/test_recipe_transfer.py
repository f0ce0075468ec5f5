"""llmnotes.recipes.transfer: 아주 작은 spine 모델과 작은 설정으로 끝까지 실행 → 결과 구조, 데이터 해시 재현,
사전학습 문서 빼기, dev 에서 고르기, 잘못된 설정."""

from __future__ import annotations

import json

import pytest

from llmnotes.finetune import review_task, task_sha256, text_sha256, validation_sample
from llmnotes.recipes.spine import main as spine_main
from llmnotes.recipes.transfer import TransferConfig, epochs_for, main


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    # 세계 문서가 말뭉치에 들어가도록 글자 수를 늘리고 (실제 텍스트만 약 15만 자), 리뷰가 들어가도록 문맥을 늘린다
    out = tmp_path_factory.mktemp("spine") / "tiny"
    spine_main(
        ["--out", str(out), "--preset", "tiny", "--seq-len", "256", "--corpus-chars", "400000", "--quiet"]
    )
    return out


def _tiny_cfg(model) -> TransferConfig:
    return TransferConfig(
        model=str(model),
        sizes={"train": 16, "dev": 8, "test": 8, "test_new": 8},
        label_counts=(4, 16),
        seeds=(0, 1),
        select_n=4,
        probe_cs=(1.0,),
        pretrained_full=(("last", 3e-4),),
        scratch_full=(("last", 1e-3),),
        min_steps=2,
        val_generated=300,
    )


def test_recipe_end_to_end(tiny_model, tmp_path):
    out = tmp_path / "results.json"
    main(["--model", str(tiny_model), "--out", str(out), "--quiet"], base_config=_tiny_cfg("unused"))
    r = json.loads(out.read_text(encoding="utf-8"))
    assert r["data"]["corpus_hashes_match_model"] is True
    assert r["data"]["validation_sample"]["all_in_spine_validation"] is True
    assert r["data"]["sizes"] == {"train": 16, "dev": 8, "test": 8, "test_new": 8}
    # 기록된 해시와 표현 무리만으로 같은 데이터를 다시 만들 수 있고, 파일에 든 과제와 같다
    from llmnotes.world import build_world

    a, b = (frozenset(r["data"]["phrasings"][g]) for g in "AB")
    assert a and b and not a & b
    task, skipped = review_task(
        build_world(0),
        r["config"]["sizes"],
        r["config"]["task_seed"],
        r["data"]["excluded_pretraining_sha256"],
        allowed={k: (b if g == "B" else a) for k, g in r["data"]["splits_phrasing"].items()},
        phrasings=a | b,
    )
    assert skipped == r["data"]["excluded_pretraining_sha256"]
    assert {k: task_sha256(v) for k, v in task.items()} == r["data"]["sha256"]
    assert {k: task_sha256([tuple(x) for x in v]) for k, v in r["task"].items()} == r["data"]["sha256"]
    new_texts = " ".join(t for t, _ in task["test_new"])
    assert not any(s in new_texts for s in a)  # test_new 에는 무리 A 의 감상 문장이 없다
    spine = json.loads((tiny_model / "recipe.json").read_text(encoding="utf-8"))["config"]
    sample = validation_sample(spine["data_seed"], spine["val_fraction"], r["config"]["val_generated"])
    assert text_sha256("\n".join(sample)) == r["data"]["validation_sample"]["sha256"]
    # dev 에서 고른 설정은 후보 가운데 dev 정확도가 가장 높은 것
    for init, rows in r["selection"]["candidates"].items():
        best = max(row["dev_accuracy"] for row in rows)
        chosen = r["chosen"][init]
        assert any(
            row["dev_accuracy"] == best and all(row[k] == v for k, v in chosen.items()) for row in rows
        )
    assert r["chosen"]["scratch"]["kind"] == "full"
    for t in ("test", "test_new"):
        for init in ("pretrained", "scratch"):
            for n in ("4", "16"):
                accs = r["curves"][t][init][n]
                assert len(accs) == 2 and all(0.0 <= x <= 1.0 for x in accs)
            assert len(r["predictions_test"][init][f"world_{t}_n4_seed0"]) == 8
        for n in ("4", "16"):
            row = r["summary"][t][n]
            assert row["gain"] == pytest.approx(row["pretrained"]["mean"] - row["scratch"]["mean"], abs=1e-4)
        gains = r["target"]["gain_by_label_count"][t]
        assert r["target"]["met_at"][t] == [int(n) for n, g in gains.items() if g >= 0.10]
    for init in ("pretrained", "scratch"):
        assert len(r["predictions_test"][init]["handwritten_test_seed0"]) == 120
    assert len(r["handwritten_reviews_test"]["accuracy"]["scratch"]) == 1  # ood_scratch_seeds=(0,)


def test_epochs_rule_and_bad_config():
    cfg = TransferConfig()
    assert epochs_for(25, cfg) == 8 and epochs_for(100, cfg) == 3 and epochs_for(200, cfg) == 2
    with pytest.raises(ValueError, match="label_counts"):
        TransferConfig(label_counts=(500,))
    with pytest.raises(ValueError, match="select_n"):
        TransferConfig(select_n=0)
    with pytest.raises(ValueError, match="seeds"):
        TransferConfig(seeds=())
