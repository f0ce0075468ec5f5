"""양자화 벤치마크: llmnotes.quant 의 QuantLinear 대 torch 동적 int8 (``quantize_dynamic``). 같은 프로세스, 같은 층.

같은 ``nn.Linear(d, d)`` 를 (1) float32 그대로, (2) 우리 QuantLinear (absmax int8 채널별 / int4 그룹 64 / NF4 블록 64,
순전파 때마다 가중치 복원 후 float32 곱셈), (3) ``torch.ao.quantization.quantize_dynamic`` (int8 가중치 + 동적 int8
활성값, int8 GEMM 커널) 로 돌려 순전파 시간 (반복 중 최솟값), float 출력과의 최대 차이, 가중치 저장 바이트를 출력한다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_quant.py``
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch
import torch.nn as nn

from llmnotes.quant import QuantLinear


def _best(fn, repeat: int, inner: int = 10) -> float:
    best = float("inf")
    with torch.no_grad():
        fn()  # 준비 실행
        for _ in range(repeat):
            t = time.perf_counter()
            for _ in range(inner):
                fn()
            best = min(best, (time.perf_counter() - t) / inner)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[512, 1024, 2048])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, 스레드 {torch.get_num_threads()}, 배치 {args.batch}")
    print(
        f"{'d':>6} {'방식':<26}{'시간(ms)':>10}{'float 대비':>11}{'최대 차이':>11}{'가중치 바이트':>14}{'비트/파라미터':>14}"
    )
    for d in args.dims:
        lin = nn.Linear(d, d)
        x = torch.randn(args.batch, d)
        with torch.no_grad():
            y_ref = lin(x)
        t_float = _best(lambda lin=lin, x=x: lin(x), args.repeat)
        rows = [("float32 nn.Linear", t_float, 0.0, d * d * 4)]
        for label, method, bits, gran in [
            ("ours absmax int8 채널별", "absmax", 8, "channel"),
            ("ours int4 그룹64", "absmax", 4, "group"),
            ("ours NF4 블록64", "nf4", 4, "group"),
        ]:
            q = QuantLinear(lin, method, bits, gran, 64)
            t = _best(lambda q=q, x=x: q(x), args.repeat)
            with torch.no_grad():
                err = (q(x) - y_ref).abs().max().item()
            rows.append((label, t, err, q.qweight.nbytes()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization 사용 중단 경고
            dyn = torch.ao.quantization.quantize_dynamic(nn.Sequential(lin), {nn.Linear}, dtype=torch.qint8)
            t_dyn = _best(lambda dyn=dyn, x=x: dyn(x), args.repeat)
            with torch.no_grad():
                err = (dyn(x) - y_ref).abs().max().item()
        rows.append(("torch quantize_dynamic int8", t_dyn, err, d * d + 4 + 8))  # int8 가중치 + 배율/영점
        for label, t, err, nbytes in rows:
            print(
                f"{d:>6} {label:<26}{t * 1e3:>10.3f}{t / t_float:>11.2f}{err:>11.4f}"
                f"{nbytes:>14,}{8 * nbytes / (d * d):>14.3f}"
            )
        t_ours8 = rows[1][1]
        print(f"{d:>6} 비율 ours int8 / torch 동적 int8 = {t_ours8 / t_dyn:.2f}")
    print(
        "float 대비 = 시간 / float32 시간. 우리 층은 매번 가중치를 복원하므로 float 보다 느리다 (메모리 절약용)."
    )


if __name__ == "__main__":
    main()
