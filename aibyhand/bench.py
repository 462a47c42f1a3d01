"""How fast is the worksheet code at EmbeddingGemma's size? ``aibyhand bench``.

One SGD step of the projection head on the Matryoshka loss, at B = 128 pairs,
768 -> 3072 -> 768, widths 768/512/256/128, temperature 0.05, timed three ways in one
run, with the repeats interleaved (a, b, c, a, b, c ...) so that a slow moment of the
machine hits all three alike, and medians reported:

(a) ``finetune.head_step``: the package, every intermediate recorded;
(b) the floor: only the matrix products the same step needs, in NumPy, on operands
    prepared beforehand (the unit vectors, dS of every width, dY);
(c) where torch is installed, the same step by torch autograd (float64, same threads).

All three must agree before any time is printed: (a) and (c) on the loss and the
updated weights, (a) and (b) on the weight gradients.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from . import finetune, scale
from .arguments import Parser

DIMS = (768, 512, 256, 128)


def problem(B: int = 128, seed: int = 0) -> dict:
    """A batch of the at-scale experiment's pairs (:mod:`aibyhand.scale`) and a random head."""
    Xa, Xp = scale.pairs(B, seed=seed)
    W_up, W_down = scale.init_head(seed=seed)
    return {"Xa": Xa, "Xp": Xp, "W_up": W_up, "W_down": W_down, "dims": DIMS,
            "temperature": 0.05, "lr": 0.1}


def ours(p: dict) -> dict:
    s = finetune.head_step(p["Xa"], p["Xp"], p["W_up"], p["W_down"], dims=p["dims"],
                           temperature=p["temperature"], lr=p["lr"])
    return {"loss": float(s["loss"]), "W_up": s["W_up_new"], "W_down": s["W_down_new"],
            "dW_up": s["dW_up"], "dW_down": s["dW_down"]}


def operands(p: dict) -> dict:
    """What the floor is handed ready-made: every elementwise result of the step
    (unit vectors, dS of each width, dY), taken from the package's own step."""
    s = finetune.head_step(p["Xa"], p["Xp"], p["W_up"], p["W_down"], dims=p["dims"],
                           temperature=p["temperature"], lr=p["lr"])
    levels = [(s[f"m={m} / A_hat"], s[f"m={m} / P_hat"], s[f"m={m} / dS"]) for m in p["dims"]]
    return {"X": np.array(s["X"]), "levels": levels, "dY": np.array(s["dY"])}


def floor(p: dict, o: dict) -> dict:
    """Only the step's matrix products, on operands prepared beforehand (:func:`operands`)."""
    X, W_up, W_down, dY = o["X"], p["W_up"], p["W_down"], o["dY"]
    U = W_up @ X                                                  # (d_up, 2B)
    W_down @ U                                                    # Y: (d, 2B)
    for A_hat, P_hat, dS in o["levels"]:
        A_hat.T @ P_hat                                           # S: (B, B)
        P_hat @ dS.T                                              # dA_hat: (m, B)
        A_hat @ dS                                                # dP_hat: (m, B)
    dW_down = dY @ U.T                                            # (d, d_up)
    dU = W_down.T @ dY                                            # (d_up, 2B)
    return {"dW_up": dU @ X.T, "dW_down": dW_down}                # (d_up, d)


def torch_step(p: dict, torch) -> dict:
    """The same step as a torch user writes it: rows are examples, ``F.linear`` layers
    (as ``nn.Linear(bias=False)``), sentence-transformers' losses, autograd."""
    F = torch.nn.functional
    wu = torch.from_numpy(p["W_up"]).requires_grad_()
    wd = torch.from_numpy(p["W_down"]).requires_grad_()
    B = p["Xa"].shape[1]
    x = torch.from_numpy(np.concatenate([p["Xa"], p["Xp"]], axis=1).T.copy())  # (2B, d)
    y = F.linear(F.linear(x, wu), wd)                                          # (2B, d)
    labels = torch.arange(B)
    loss = sum(F.cross_entropy(F.normalize(y[:B, :m], dim=1) @ F.normalize(y[B:, :m], dim=1).T
                               / p["temperature"], labels) for m in p["dims"])
    loss.backward()
    with torch.no_grad():
        return {"loss": loss.item(), "W_up": (wu - p["lr"] * wu.grad).numpy(),
                "W_down": (wd - p["lr"] * wd.grad).numpy()}


def agree(a: dict, b: dict, keys, rtol: float = 1e-9) -> None:
    for k in keys:
        if not np.allclose(a[k], b[k], rtol=rtol, atol=1e-12):
            raise AssertionError(f"{k} differs between the implementations")


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory in the process (where there is glibc).

    By default glibc hands large freed blocks back to the kernel, and the next array of
    that size page-faults on every 4 KiB page as it is first written; on a virtual
    machine a page fault can cost microseconds, which then swamps elementwise NumPy
    (and hits the three contenders unequally: the floor allocates least). This is the
    same setting for all three, and the process's own business: the package never
    calls it.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 1 << 30) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))
    except (OSError, AttributeError):
        return False


def run(repeats: int = 15, B: int = 128, torch_too: bool = True, keep_memory: bool = True) -> dict:
    """Time (a), (b), (c) interleaved; return the medians in seconds and the ratios."""
    kept = keep_freed_memory() if keep_memory else False
    p = problem(B=B)
    o = operands(p)
    ways = {"ours": lambda: ours(p), "floor": lambda: floor(p, o)}
    torch = _torch() if torch_too else None
    if torch is not None:
        ways["torch"] = lambda: torch_step(p, torch)
    first = {name: f() for name, f in ways.items()}               # warm up, and compare
    agree(first["ours"], first["floor"], ("dW_up", "dW_down"))
    if "torch" in first:
        agree(first["ours"], first["torch"], ("loss", "W_up", "W_down"))
    times = {name: [] for name in ways}
    for _ in range(repeats):
        for name, f in ways.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    out = {"median": med, "repeats": repeats, "loss": first["ours"]["loss"],
           "ours/floor": med["ours"] / med["floor"], "kept freed memory": kept}
    if "torch" in med:
        out["ours/torch"] = med["ours"] / med["torch"]
        out["torch threads"] = torch.get_num_threads()
    return out


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def report(r: dict) -> str:
    lines = [f"one head step: B = 128 pairs, 768 -> 3072 -> 768, MRL {'/'.join(map(str, DIMS))}, "
             f"temperature 0.05, float64; medians of {r['repeats']} interleaved repeats",
             f"  (a) aibyhand finetune.head_step   {r['median']['ours'] * 1e3:8.1f} ms",
             f"  (b) matrix products only (floor)  {r['median']['floor'] * 1e3:8.1f} ms"]
    if "torch" in r["median"]:
        lines.append(f"  (c) torch autograd                {r['median']['torch'] * 1e3:8.1f} ms"
                     f"   ({r['torch threads']} threads)")
    lines.append(f"  ours / floor = {r['ours/floor']:.2f}")
    if "ours/torch" in r:
        lines.append(f"  ours / torch = {r['ours/torch']:.2f}")
    else:
        lines.append("  torch is not installed: (c) skipped")
    lines.append(f"  loss before the step {r['loss']:.6f}; (a) agrees with (b) on the gradients"
                 + (" and with (c) on the loss and the new weights" if "ours/torch" in r else ""))
    return "\n".join(lines)


# Each library's idle threads otherwise keep spinning after its own work and slow down
# whatever runs next: torch's OpenMP threads the NumPy steps, OpenBLAS's threads torch.
ISOLATION = {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": "4"}


def main(argv=None) -> int:
    p = Parser(prog="aibyhand bench", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=15, help="interleaved repeats (default 15)")
    p.add_argument("--no-torch", action="store_true", help="skip (c) even if torch is installed")
    p.add_argument("--as-is", action="store_true",
                   help="measure in this process as it is: no thread or allocator settings")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeats < 10:
        p.error(f"--repeats: expected at least 10, got {args.repeats}")
    if not (args.child or args.as_is):
        # the thread settings are read when the libraries load: measure in a fresh process
        child = [sys.executable, "-m", "aibyhand.bench", "--child", "--repeats", str(args.repeats)]
        return subprocess.call(child + ["--no-torch"] * args.no_torch, env={**os.environ, **ISOLATION})
    result = run(args.repeats, torch_too=not args.no_torch, keep_memory=not args.as_is)
    print(report(result))
    if args.child:
        print("  settings: " + ", ".join(f"{k}={v}" for k, v in ISOLATION.items())
              + ("; glibc keeps freed memory" if result["kept freed memory"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
