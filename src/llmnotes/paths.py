"""프로젝트 데이터 폴더와 캐시 폴더의 위치."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_root", "data_dir", "cache_dir", "models_dir"]


def repo_root() -> Path:
    """저장소 최상위 폴더 (``src/llmnotes`` 의 두 단계 위)."""
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """프로젝트가 직접 만든 데이터 폴더. 환경 변수 ``LLMNOTES_DATA`` 로 바꿀 수 있다."""
    env = os.environ.get("LLMNOTES_DATA")
    return Path(env) if env else repo_root() / "data"


def models_dir() -> Path:
    """프로젝트가 학습해 함께 배포하는 체크포인트 폴더 (``data/models``)."""
    return data_dir() / "models"


def cache_dir(create: bool = True) -> Path:
    """캐시 폴더. ``LLMNOTES_CACHE`` (기본값 ``~/.cache/llmnotes``). 저장소 안에는 절대 쓰지 않는다.

    Args:
        create: ``True`` 면 폴더가 없을 때 만든다.
    """
    env = os.environ.get("LLMNOTES_CACHE")
    path = Path(env).expanduser() if env else Path.home() / ".cache" / "llmnotes"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
