"""레시피가 남기는 기록 파일: 파일 해시(sha256)와 JSON 쓰기. 여러 레시피가 같은 방식으로 쓰도록 한곳에 둔다."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = ["file_sha256", "write_json"]


def file_sha256(path: str | Path) -> str:
    """파일 내용의 sha256 (16진수). 데이터시트와 ``recipe.json`` 이 산출물·입력 파일을 이것으로 가리킨다."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_json(path: str | Path, obj: Any) -> Path:
    """``obj`` 를 사람이 읽을 수 있는 JSON(UTF-8, 한글 그대로, 들여쓰기 1)으로 쓴다. 상위 폴더가 없으면 만든다."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
