"""양자화 벤치마크: llmnotes.quant 의 QuantLinear 대 torch 동적 int8 (``quantize_dynamic``). 같은 프로세스, 같은 층.

같은 ``nn.Linear(d, d)`` 를 (1) float32 그대로, (2) 우리 QuantLinear (absmax int8 채널별 / int4 그룹 64 / NF4 블록 64,
순전파 때마다 가중치 복원 후 float32 곱셈), (3) ``torch.ao.quantization.quantize_dynamic`` (int8 가중치 + 동적 int8
활성값, int8 GEMM 커널) 로 돌려 순전파 시간, float 출력과의 최대 차이, 가중치 저장 바이트를 출력한다.
시간은 한 라운드에 모든 방식을 번갈아 (각 ``inner`` 번 평균) 재고, ``--repeat`` 라운드(기본 7)의 최솟값과 중앙값,
그리고 라운드마다 낸 짝 비율(ours int8 / torch)의 중앙값과 범위를 적는다. 시작과 끝의 부하 평균도 찍는다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_quant.py``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import torch
import torch.nn as nn

from llmnotes.quant import QuantLinear


def _once(fn, inner: int = 10) -> float:
    with torch.no_grad():
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        return (time.perf_counter() - t) / inner


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[512, 1024, 2048])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    torch.manual_seed(0)
    print(
        f"torch {torch.__version__}, 스레드 {torch.get_num_threads()}, 배치 {args.batch}, 라운드 {args.repeat}"
    )
    print(f"시작 부하 평균 (1/5/15분) {_load()}, CPU {os.cpu_count()}개")
    print(
        f"{'d':>6} {'방식':<26}{'최소(ms)':>10}{'중앙(ms)':>10}{'float 대비':>11}{'최대 차이':>11}{'가중치 바이트':>14}"
    )
    for d in args.dims:
        lin = nn.Linear(d, d)
        x = torch.randn(args.batch, d)
        with torch.no_grad():
            y_ref = lin(x)
        layers: dict[str, tuple] = {"float32 nn.Linear": (lin, d * d * 4)}
        for label, method, bits, gran in [
            ("ours absmax int8 채널별", "absmax", 8, "channel"),
            ("ours int4 그룹64", "absmax", 4, "group"),
            ("ours NF4 블록64", "nf4", 4, "group"),
        ]:
            q = QuantLinear(lin, method, bits, gran, 64)
            layers[label] = (q, q.qweight.nbytes())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization 사용 중단 경고
            dyn = torch.ao.quantization.quantize_dynamic(nn.Sequential(lin), {nn.Linear}, dtype=torch.qint8)
        layers["torch quantize_dynamic int8"] = (dyn, d * d + 4 + 8)  # int8 가중치 + 배율/영점
        times: dict[str, list[float]] = {name: [] for name in layers}
        with torch.no_grad():
            for layer, _ in layers.values():
                layer(x)  # 준비 실행
        for _ in range(args.repeat):
            for name, (layer, _) in layers.items():
                times[name].append(_once(lambda layer=layer, x=x: layer(x)))
        t_float = statistics.median(times["float32 nn.Linear"])
        for name, (layer, nbytes) in layers.items():
            with torch.no_grad():
                err = (layer(x) - y_ref).abs().max().item()
            ts = times[name]
            print(
                f"{d:>6} {name:<26}{min(ts) * 1e3:>10.3f}{statistics.median(ts) * 1e3:>10.3f}"
                f"{statistics.median(ts) / t_float:>11.2f}{err:>11.4f}{nbytes:>14,}"
            )
        r = [
            a / b
            for a, b in zip(
                times["ours absmax int8 채널별"], times["torch quantize_dynamic int8"], strict=True
            )
        ]
        print(
            f"{d:>6} 비율 ours int8 / torch 동적 int8 (라운드 짝 비율): 중앙 {statistics.median(r):.2f}× "
            f"(범위 {min(r):.2f}–{max(r):.2f})"
        )
    print(
        "float 대비 = 중앙 시간 / float32 중앙 시간. 우리 층은 매번 가중치를 복원하므로 float 보다 느리다 (메모리 절약용)."
    )
    print(f"끝 부하 평균 {_load()}")


if __name__ == "__main__":
    main()
