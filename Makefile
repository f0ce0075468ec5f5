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

.PHONY: setup test test-portable lint unit nbval hygiene lab regen bench doctor clean book slides test-browser

setup: $(BIN)/python
	$(BIN)/python -m pip install --upgrade "pip>=24"
	$(BIN)/python -m pip install "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -e ".[dev]"
	mkdir -p $(VENV)/share/jupyter/lab/settings && cp tools/jupyterlab/settings/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
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
# OMP_WAIT_POLICY=PASSIVE: 2 프로세스 × 2 스레드가 2코어를 나눠 쓸 때 OpenMP 스레드가 바쁘게 기다리며 CPU 를 태우지 않게 한다
# (계산 결과에는 영향이 없다. 노트북 13 에서 잰 값: 벽시계 94 s → 50 s).
PORTABLE_ENV := ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
test-portable:
	$(PORTABLE_ENV) MPLBACKEND=module://matplotlib_inline.backend_inline $(BIN)/python -m pytest notebooks $(NBVAL_OPTS) -n 2 --dist loadfile -q

hygiene:
	$(BIN)/python tools/check_notebooks.py
	$(BIN)/python tools/nbmeta.py

# root·화면 없는 서버에서도 뜬다: --no-browser, root 면 --allow-root, 주소와 SSH 터널 명령을 먼저 출력 (tools/lab.py)
lab:
	$(BIN)/python tools/lab.py

regen:
	$(BIN)/python tools/regen.py $(NB)

bench:
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

doctor:
	$(BIN)/llmnotes doctor

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis build *.egg-info src/*.egg-info

# ---- 이슈 22: 오프라인 책, 슬라이드, 브라우저 테스트 ----------------------------------------------------------------
# 책: 노트북을 다시 실행하지 않고 저장된 출력으로 build/book 에 만든다 (MathJax·글꼴 모두 로컬). 여는 곳: build/book/index.html
BOOK_DIR := build/book
book:
	$(BIN)/python -m sphinx -q -b html -c book -d build/.doctrees-book . $(BOOK_DIR)
	@echo "책: $(BOOK_DIR)/index.html  (또는 $(BIN)/python -m http.server -d $(BOOK_DIR) 8000 후 http://127.0.0.1:8000)"

# 정적 reveal.js 슬라이드 (인터넷 없이 열린다): make slides NB=notebooks/05_attention.ipynb → build/slides/05_attention.slides.html
slides:
	@test -n "$(NB)" || { echo "사용법: make slides NB=notebooks/NN_slug.ipynb"; exit 2; }
	$(BIN)/python tools/slides.py $(NB) --out build/slides

# 시스템 Chromium(/usr/bin/chromium)으로 책·JupyterLab·슬라이드를 연다. 스크린숏: $${LLMNOTES_CACHE:-~/.cache/llmnotes}/browser/
test-browser: book
	LLMNOTES_BROWSER=1 LLMNOTES_BOOK_DIR=$(CURDIR)/$(BOOK_DIR) $(BIN)/python -m pytest tests/browser -q -p no:cacheprovider
