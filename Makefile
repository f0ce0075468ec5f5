# llmnotes: 두 명령이면 된다. make setup, make test.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PYTHONHASHSEED := 0
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export TOKENIZERS_PARALLELISM := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

# CPU 용 torch 휠. GPU 사용자는 README 의 'GPU 로 설치하기' 를 따른다 (TORCH_SPEC 을 바꿔 준다).
TORCH_SPEC ?= torch==2.13.0
LINT_PATHS := $(wildcard src tests tools benchmarks notebooks)
NBVAL_OPTS := --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg --nbval-cell-timeout=300 -p no:cacheprovider

.PHONY: setup test test-portable lint unit nbval hygiene lab regen bench doctor clean

setup: $(BIN)/python
	$(BIN)/python -m pip install --upgrade "pip>=24"
	$(BIN)/python -m pip install "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -e ".[dev]"
	@if $(BIN)/python -m pip list 2>/dev/null | grep -qi '^nvidia-'; then \
	  echo "경고: CUDA 패키지(nvidia-*)가 설치되었습니다. CPU 설치라면 TORCH_SPEC 을 확인하세요."; fi
	$(BIN)/llmnotes doctor

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)

test: lint unit nbval hygiene

lint:
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

unit:
	$(BIN)/python -m pytest tests -q -n 2 -p no:cacheprovider

# nbval 은 노트북 파일 단위로 2개 프로세스에 나눠 돌린다 (-n 2 --dist loadfile). 2코어 기계에서 잰 값(2026-11-22):
# 노트북 15개를 하나씩 차례로 실행하면 합계 약 320 s (가장 긴 것은 09 의 35 s), -n 2 --dist loadfile 로는 145 s. 그래서 병렬 실행을 유지한다.
nbval:
	MPLBACKEND=module://matplotlib_inline.backend_inline $(BIN)/python -m pytest notebooks $(NBVAL_OPTS) -n 2 --dist loadfile -q

# 다른 기계를 흉내 낸다: AVX-512/AVX2 대신 기본(default) 벡터 경로, MKL 의 호환 모드, 스레드 2개.
# 저장된 출력이 한 글자라도 바뀌는 셀이 있으면 실패한다. 출력 정책은 tools/OUTPUT_POLICY.md.
PORTABLE_ENV := ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
test-portable:
	$(PORTABLE_ENV) MPLBACKEND=module://matplotlib_inline.backend_inline $(BIN)/python -m pytest notebooks $(NBVAL_OPTS) -n 2 --dist loadfile -q

hygiene:
	$(BIN)/python tools/check_notebooks.py

lab:
	$(BIN)/jupyter lab notebooks

regen:
	$(BIN)/python tools/regen.py $(NB)

bench:
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

doctor:
	$(BIN)/llmnotes doctor

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis build *.egg-info src/*.egg-info
