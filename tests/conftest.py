"""공통 테스트 설정: 재현 가능한 환경 변수, 저장소에 쓰지 않는 캐시."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")

# hypothesis: 저장소 안에 .hypothesis/ 데이터베이스를 쓰지 않고, 예제를 테스트마다 고정해 CI 결과가 실행마다 같게 한다.
settings.register_profile("llmnotes", database=None, derandomize=True)
settings.load_profile("llmnotes")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """테스트마다 LLMNOTES_CACHE 를 임시 폴더로 돌린다 (저장소나 홈 폴더에 쓰지 않도록)."""
    monkeypatch.setenv("LLMNOTES_CACHE", str(tmp_path_factory.mktemp("cache")))
