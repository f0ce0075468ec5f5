"""명령줄 진입점: ``llmnotes doctor`` 등."""

from __future__ import annotations

import argparse

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``llmnotes <명령>`` 을 실행한다."""
    parser = argparse.ArgumentParser(prog="llmnotes", description="한국어 LLM 노트북 모음 도우미")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="학습 환경을 점검한다")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        from .doctor import main as doctor_main

        return doctor_main()
    return 2  # pragma: no cover - argparse 가 먼저 막는다


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
