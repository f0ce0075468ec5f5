"""레시피 기록 파일 도우미: 해시는 hashlib 과 같고, JSON 은 한글을 그대로 둔 채 되읽으면 같은 값이다."""

import hashlib
import json

import pytest

from llmnotes.recipes.records import file_sha256, write_json


def test_file_sha256_equals_hashlib(tmp_path):
    p = tmp_path / "w.bin"
    p.write_bytes("\x00\x01 가나다".encode())
    assert file_sha256(p) == hashlib.sha256("\x00\x01 가나다".encode()).hexdigest()
    assert file_sha256(str(p)) == file_sha256(p)


def test_file_sha256_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="없는파일"):
        file_sha256(tmp_path / "없는파일.bin")


def test_write_json_round_trip_and_parents(tmp_path):
    obj = {"이름": "척추 모델", "값": [1, 2.5, None]}
    out = write_json(tmp_path / "a" / "b" / "r.json", obj)
    text = out.read_text(encoding="utf-8")
    assert "척추 모델" in text and json.loads(text) == obj
