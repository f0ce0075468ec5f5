"""패키징: environment.yml 과 pyproject.toml 의 의존성이 같고, CPU torch 범위가 맞고, 두 명령이 README 에 있다."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _env_pip_requirements() -> list[str]:
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    return re.findall(r'^\s+- "([^"]+)"\s*$', text, re.M)


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_matches_pyproject():
    proj = _pyproject()["project"]
    declared = proj["dependencies"] + proj["optional-dependencies"]["dev"]
    assert sorted(map(_norm, _env_pip_requirements())) == sorted(map(_norm, declared))
    assert "python=3.11" in (ROOT / "environment.yml").read_text(encoding="utf-8")


def test_torch_range_admits_local_cpu_wheel_only():
    deps = _pyproject()["project"]["dependencies"]
    torch_req = next(d for d in deps if d.startswith("torch"))
    assert ">=2.13" in torch_req and "<2.14" in torch_req
    assert all(not d.startswith(("nvidia", "torchvision", "torchaudio")) for d in deps)


def test_required_runtime_dependencies_present():
    names = {re.split(r"[<>=!~\[ ]", d)[0].lower() for d in _pyproject()["project"]["dependencies"]}
    for needed in (
        "torch", "transformers", "datasets", "scikit-learn", "rank-bm25", "gensim", "matplotlib", "jupyterlab",
        "nbval", "kiwipiepy", "koreanize-matplotlib", "tqdm", "konlpy",
    ):  # fmt: skip
        assert needed in names, needed
    dev = {
        re.split(r"[<>=!~\[ ]", d)[0].lower() for d in _pyproject()["project"]["optional-dependencies"]["dev"]
    }
    for needed in ("pytest", "pytest-xdist", "hypothesis", "ruff", "nbconvert"):
        assert needed in dev, needed


def test_every_dependency_has_a_range():
    proj = _pyproject()["project"]
    for dep in proj["dependencies"] + proj["optional-dependencies"]["dev"]:
        assert re.search(r"[<>=]", dep), f"범위가 없는 의존성: {dep}"


def test_readme_states_two_commands_first_and_ci_runs_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_code = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert first_code is not None
    assert first_code.group(1).split() == ["make", "setup", "make", "test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make setup" in ci and "make test" in ci and "unshare -n" in ci


def test_makefile_installs_cpu_torch_before_package():
    mk = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "TORCH_SPEC ?= torch==2.13.0" in mk
    assert mk.index('pip install "$(TORCH_SPEC)"') < mk.index('pip install -e ".[dev]"')
    for target in ("setup:", "test:", "lab:", "regen:", "bench:"):
        assert f"\n{target}" in mk


def test_regen_uses_the_same_environment_as_make_test():
    """make regen 으로 저장한 출력과 make test 의 nbval 이 같은 환경 변수에서 나온다 (tools/OUTPUT_POLICY.md)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("regen", ROOT / "tools" / "regen.py")
    regen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(regen)
    mk = (ROOT / "Makefile").read_text(encoding="utf-8")
    exported = dict(re.findall(r"^export (\w+) := (\S+)$", mk, re.M))
    nbval_line = re.search(r"^nbval:\n\t(.*)$", mk, re.M).group(1)
    exported["MPLBACKEND"] = re.search(r"MPLBACKEND=(\S+)", nbval_line).group(1)
    assert exported == regen.NBVAL_ENV
    # 이식성 검사는 같은 nbval 옵션에 수치 경로와 스레드 수만 바꾼다
    portable = re.search(r"^test-portable:\n\t(.*)$", mk, re.M).group(1)
    assert "$(PORTABLE_ENV)" in portable and "$(NBVAL_OPTS)" in portable
    env = re.search(r"^PORTABLE_ENV := (.*)$", mk, re.M).group(1)
    assert "ATEN_CPU_CAPABILITY=default" in env and "OMP_NUM_THREADS=2" in env
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test-portable" in ci


# 런타임 의존성에 없어도 되는 것: ipykernel(런타임 의존성)이 함께 설치하는 것들
_COMES_WITH_IPYKERNEL = {"ipython", "matplotlib-inline"}


def test_every_library_import_is_a_runtime_dependency():
    """src/llmnotes 가 import 하는 외부 패키지는 모두 런타임 의존성에 있다 (dev 에만 있으면 사용자 설치에서 깨진다)."""
    import ast
    import importlib.metadata as md
    import sys

    declared = {re.split(r"[<>=!~\[ ]", d)[0].lower() for d in _pyproject()["project"]["dependencies"]}
    dists = md.packages_distributions()
    missing = {}
    for path in sorted((ROOT / "src" / "llmnotes").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "llmnotes":
                    continue
                found = {d.lower() for d in dists.get(top, [top])}
                if not found & (declared | _COMES_WITH_IPYKERNEL):
                    missing.setdefault(top, []).append(path.name)
    assert not missing, f"런타임 의존성(pyproject [project].dependencies)에 없는 import: {missing}"
