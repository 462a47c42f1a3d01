"""How fast is the worksheet code where users run it? ``aibyhand bench``.

Two reports, both measurements (no test asserts a time):

**The head step** at EmbeddingGemma's size: one SGD step of the projection head on the
Matryoshka loss, B = 128 pairs, 768 -> 3072 -> 768, widths 768/512/256/128, temperature
0.05, float64, timed three ways:

(a) ``finetune.head_step``: the package, every intermediate recorded;
(b) the floor: only the step's five large matrix products (``U``, ``Y``, ``dW_down``,
    ``dU``, ``dW_up``), on operands prepared beforehand, into buffers made once;
(c) where torch is installed, the same step by torch autograd (float64, ``F.linear`` as
    ``nn.Linear(bias=False)``, sentence-transformers' losses).

Each way runs in its own fresh Python process with no settings at all, as a user's
notebook or script runs: a warm-up, then the median of ``--repeats`` steps; three
rounds, the ways interleaved (a, b, c, a, b, c ...) so that a slow moment of the machine
hits all three alike; the headline is the median of the three rounds. A second, labelled
line repeats it with the settings that keep idle threads and freed memory from costing
time (``OMP_WAIT_POLICY=PASSIVE``, ``OPENBLAS_THREAD_TIMEOUT=4``, glibc keeping freed
memory), for comparison only. Before any time is printed the three ways must agree: (a)
and (c) on the loss and the new weights, (a) and (b) on the weight gradients.

**Budgets**: ``import aibyhand``, each notebook run top to bottom in a fresh kernel,
and each sheet drawn (blank and key, as PDF), each against the time it should take.

**Variants and a class set** (issue 19 §2): the seconds each worksheet takes to make a
variant's numbers (median and worst over ``--seeds`` seeds from 32 on, beyond the kept
0-31, made in this process with every cache cleared first, against 1 s median and 3 s
worst), and the seconds ``aibyhand class NAME ROSTER -o DIR`` takes for a roster of 60
made-up names, run as an instructor runs it, for one representative worksheet (InfoNCE,
whose numbers are quick, so its time is the paper; ``--class-sheet NAME`` for others).

**The web page** on a low-end phone (:mod:`aibyhand.classroom.pagebench`): each page's
load and typing a box to its verdict at 6x CPU throttling, where playwright and Debian's
chromium are installed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from . import finetune, scale
from .arguments import Parser

DIMS = (768, 512, 256, 128)
WAYS = ("ours", "floor", "torch")
ROUNDS = 3


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
    """What the floor is handed ready-made: the inputs side by side, ``dY`` from the
    package's own step, and a buffer for every product."""
    s = finetune.head_step(p["Xa"], p["Xp"], p["W_up"], p["W_down"], dims=p["dims"],
                           temperature=p["temperature"], lr=p["lr"])
    X, dY = np.array(s["X"]), np.array(s["dY"])
    d_up, B2 = p["W_up"].shape[0], X.shape[1]
    return {"X": X, "dY": dY, "U": np.empty((d_up, B2)), "Y": np.empty(dY.shape),
            "dU": np.empty((d_up, B2)), "dW_down": np.empty(p["W_down"].shape),
            "dW_up": np.empty(p["W_up"].shape)}


def floor(p: dict, o: dict) -> dict:
    """Only the step's five large matrix products, into buffers made once (:func:`operands`)."""
    X, dY = o["X"], o["dY"]
    np.matmul(p["W_up"], X, out=o["U"])                           # U: (d_up, 2B)
    np.matmul(p["W_down"], o["U"], out=o["Y"])                    # Y: (d, 2B)
    np.matmul(dY, o["U"].T, out=o["dW_down"])                     # (d, d_up)
    np.matmul(p["W_down"].T, dY, out=o["dU"])                     # (d_up, 2B)
    np.matmul(o["dU"], X.T, out=o["dW_up"])                       # (d_up, d)
    return {"dW_up": o["dW_up"], "dW_down": o["dW_down"]}


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
                "W_down": (wd - p["lr"] * wd.grad).numpy(),
                "dW_up": wu.grad.numpy(), "dW_down": wd.grad.numpy()}


def agree(a: dict, b: dict, keys, rtol: float = 1e-9) -> None:
    for k in keys:
        if not np.allclose(a[k], b[k], rtol=rtol, atol=1e-12):
            raise AssertionError(f"{k} differs between the implementations")


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory in the process (the tuned line only).

    By default glibc hands large freed blocks back to the kernel, and the next array of
    that size page-faults on every 4 KiB page as it is first written. The package never
    calls this; the headline is measured without it.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 1 << 30) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))
    except (OSError, AttributeError):
        return False


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def check_agreement(B: int = 128) -> dict:
    """Run the three ways once and insist they agree; what the report's last line says."""
    p = problem(B=B)
    a, b = ours(p), floor(p, operands(p))
    agree(a, b, ("dW_up", "dW_down"))
    out = {"loss": a["loss"], "torch": False}
    torch = _torch()
    if torch is not None:
        agree(a, torch_step(p, torch), ("loss", "W_up", "W_down", "dW_up", "dW_down"))
        out["torch"] = True
    return out


def time_way(way: str, repeats: int, B: int = 128) -> dict:
    """In this process: one warm-up step of ``way``, then ``repeats`` timed; seconds."""
    p = problem(B=B)
    if way == "ours":
        f = lambda: ours(p)                                        # noqa: E731
    elif way == "floor":
        o = operands(p)
        f = lambda: floor(p, o)                                    # noqa: E731
    else:
        torch = _torch()
        if torch is None:
            raise RuntimeError("torch is not installed")
        f = lambda: torch_step(p, torch)                           # noqa: E731
    f()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "times": times}


# Each library's idle threads otherwise keep spinning after its own work and slow down
# whatever runs next; glibc otherwise returns freed memory. The tuned line only.
TUNED = {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": "4"}


def _child(way: str, repeats: int, tuned: bool, B: int = 128) -> float:
    """The median step time of ``way`` in a fresh process (tuned: with :data:`TUNED`)."""
    env = {k: v for k, v in os.environ.items() if k not in TUNED}
    cmd = [sys.executable, "-m", "aibyhand.bench", "--child", way, "--repeats", str(repeats),
           "--batch", str(B)]
    if tuned:
        env.update(TUNED)
        cmd.append("--keep-memory")
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{way}: {out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode}")
    return json.loads(out.stdout)["median"]


def step_report(repeats: int = 15, rounds: int = ROUNDS, torch_too: bool = True,
                tuned: bool = True, B: int = 128) -> dict:
    """Every way in its own fresh process, ``rounds`` interleaved rounds; medians."""
    agreement = check_agreement(B)
    ways = [w for w in WAYS if w != "torch" or (torch_too and agreement["torch"])]
    out = {"agreement": agreement, "repeats": repeats, "rounds": rounds, "B": B}
    for label, settings in (("plain", False), ("tuned", True)) if tuned else (("plain", False),):
        per = {w: [] for w in ways}
        for _ in range(rounds):
            for w in ways:
                per[w].append(_child(w, repeats, settings, B))
        med = {w: statistics.median(v) for w, v in per.items()}
        out[label] = {"rounds": per, "median": med, "ours/floor": med["ours"] / med["floor"]}
        if "torch" in med:
            out[label]["ours/torch"] = med["ours"] / med["torch"]
    return out


def format_step(r: dict) -> str:
    ms = lambda x: f"{x * 1e3:6.1f} ms"                            # noqa: E731
    plain = r["plain"]
    names = {"ours": "(a) aibyhand finetune.head_step", "floor": "(b) the five matrix products",
             "torch": "(c) torch autograd"}
    lines = [f"one head step: B = {r['B']} pairs, 768 -> 3072 -> 768, MRL {'/'.join(map(str, DIMS))}, "
             f"temperature 0.05, float64",
             f"each way in its own fresh process, no settings; median of {r['repeats']} steps "
             f"after a warm-up, {r['rounds']} interleaved rounds (the rounds' medians in brackets)"]
    for w, t in plain["median"].items():
        rounds = ", ".join(f"{x * 1e3:.1f}" for x in plain["rounds"][w])
        lines.append(f"  {names[w]:<34} {ms(t)}   [{rounds}]")
    ratios = [f"ours / floor = {plain['ours/floor']:.2f}"]
    if "ours/torch" in plain:
        ratios.append(f"ours / torch = {plain['ours/torch']:.2f}")
    else:
        ratios.append("torch is not installed: (c) skipped")
    lines.append("  " + "   ".join(ratios))
    if "tuned" in r:
        t = r["tuned"]
        line = (f"  for comparison, tuned ({', '.join(f'{k}={v}' for k, v in TUNED.items())}, glibc "
                f"keeps freed memory): " + ", ".join(f"{w} {x * 1e3:.1f} ms" for w, x in t["median"].items())
                + f"; ours / floor = {t['ours/floor']:.2f}")
        if "ours/torch" in t:
            line += f", ours / torch = {t['ours/torch']:.2f}"
        lines.append(line)
    a = r["agreement"]
    lines.append(f"  loss before the step {a['loss']:.6f}; (a) agrees with (b) on the gradients"
                 + (" and with (c) on the loss, the gradients and the new weights" if a["torch"] else ""))
    return "\n".join(lines)


# -- budgets ---------------------------------------------------------------------------

IMPORT_BUDGET = 0.2      # seconds: `import aibyhand` (the math, without matplotlib)
NOTEBOOK_BUDGET = 5.0    # a worksheet notebook, kernel start included
SCALE_BUDGET = 60.0      # notebook 07 trains at EmbeddingGemma's size
SHEET_BUDGET = 5.0       # one worksheet's blank sheet and key, drawn as PDF


def _import_time() -> float:
    code = "import time; t = time.perf_counter(); import aibyhand; print(time.perf_counter() - t)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(5)]
    return statistics.median(times)


def _sheet_time(name: str) -> float:
    import io

    from .classroom import catalog, sheet

    ws = catalog.get(name)
    t0 = time.perf_counter()
    data = ws.load()
    parts = ws.run(data)
    for key in (False, True):
        figs, _ = sheet.worksheet_pages(ws, data, key=key, source="--seed 0", parts=parts)
        sheet.save_pdf(figs, io.BytesIO())
        sheet.close(figs)
    return time.perf_counter() - t0


def budgets(notebooks: bool = True) -> list[tuple[str, float | None, float, str]]:
    """``(what, seconds or None, budget, note)`` for import, notebooks and sheets."""
    rows = [("import aibyhand", _import_time(), IMPORT_BUDGET, "median of 5 fresh processes")]
    if notebooks:
        try:
            from .classroom import build
        except ImportError:
            build = None
        for source in (build.notebook_sources() if build else []):
            budget = SCALE_BUDGET if source.stem.startswith("07") else NOTEBOOK_BUDGET
            try:
                seconds: dict = {}
                build.stale_notebooks([source], jobs=1, seconds=seconds)
                rows.append((f"notebook {source.stem}", seconds[source.stem], budget, "fresh kernel"))
            except ImportError:
                rows.append((f"notebook {source.stem}", None, budget,
                             "needs the test extra (jupytext, nbclient, ipykernel)"))
    from .classroom import catalog, sheet  # noqa: F401  (matplotlib loads once, before the clock)

    for name in catalog.WORKSHEETS:
        rows.append((f"sheet {name}", _sheet_time(name), SHEET_BUDGET, "blank and key, PDF"))
    return rows


def format_budgets(rows) -> str:
    lines = ["budgets (measured here, not asserted by any test)",
             f"  {'what':<34} {'time':>8} {'budget':>8}"]
    for what, t, budget, note in rows:
        shown = f"{t:7.2f}s" if t is not None else "       -"
        verdict = "" if t is None else ("within" if t <= budget else "OVER")
        lines.append(f"  {what:<34} {shown} {budget:7.1f}s  {verdict:<6}  {note}")
    return "\n".join(lines)


# -- variants and a class set (issue 19 §2) ---------------------------------------------

VARIANT_SEEDS = 20         # seeds timed per worksheet, from FIRST_SEED on (beyond the kept 0-31)
FIRST_SEED = 32
VARIANT_BUDGET = (1.0, 3.0)     # seconds, in-process: median, worst
CLASS_SIZE = 60
CLASS_SHEET = "head"       # the class set's representative worksheet: fast numbers (its time is the
                           # paper, the pages and the keys), and a class of 60 can be kept apart
                           # (InfoNCE's, MRL's and fine-tune's variants too often share a fifth of
                           # their boxes for 60 students)


def _fresh_variants() -> None:
    """Forget every variant made so far (and the fine-tune notebook's pairs), so each is
    timed from nothing: Decode and Embed otherwise share one cached backbone per seed."""
    from .classroom import variants

    variants.reload_index()
    variants._PAIRS_OF.clear()


def variant_times(names=None, seeds: int = VARIANT_SEEDS, first: int = FIRST_SEED) -> dict:
    """``name -> seconds`` to make each of ``seeds`` variants (seeds ``first`` on), in this
    process, every cache cleared before each (:func:`_fresh_variants`)."""
    from .classroom import catalog

    out = {}
    for name in names or list(catalog.WORKSHEETS):
        ws, times = catalog.get(name), []
        for seed in range(first, first + seeds):
            _fresh_variants()
            t0 = time.perf_counter()
            ws.load(seed=seed)
            times.append(time.perf_counter() - t0)
        out[name] = times
    _fresh_variants()
    return out


def roster(n: int = CLASS_SIZE) -> str:
    """A roster of ``n`` made-up names, one a line."""
    return "".join(f"Student {k:03d}\n" for k in range(1, n + 1))


def class_time(name: str = CLASS_SHEET, n: int = CLASS_SIZE) -> tuple[float, float, int]:
    """Seconds for ``aibyhand class NAME ROSTER -o DIR`` with ``n`` students, run as the
    instructor runs it (a fresh process), into a folder of its own that is removed after:
    ``(wall clock, the process's CPU time, the students it could not keep apart from every
    other)`` (on a busy machine the first two part)."""
    import resource
    import tempfile
    import tomllib

    with tempfile.TemporaryDirectory(prefix="aibyhand-bench-") as tmp:
        path = os.path.join(tmp, "roster.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(roster(n))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "aibyhand", "class", name, path, "-o",
                              os.path.join(tmp, "class")], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if out.returncode:
            raise RuntimeError(f"class {name}: {out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode}")
        with open(os.path.join(tmp, "class", "roster.toml"), "rb") as f:
            near = sum("shares" in e for e in tomllib.load(f)["student"])
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), near


def variants_report(names=None, seeds: int = VARIANT_SEEDS, class_sheets=(CLASS_SHEET,),
                    class_size: int = CLASS_SIZE) -> dict:
    return {"seeds": seeds, "first": FIRST_SEED, "times": variant_times(names, seeds),
            "class_size": class_size, "class": {n: _class_or_why(n, class_size) for n in class_sheets}}


def _class_or_why(name: str, n: int):
    """:func:`class_time`, or the one line saying why the class set could not be made."""
    try:
        return class_time(name, n)
    except RuntimeError as err:
        return str(err)


def format_variants(r: dict) -> str:
    lo, hi = VARIANT_BUDGET
    last = r["first"] + r["seeds"] - 1
    lines = [f"seconds per variant: seeds {r['first']}-{last} of each worksheet, made in this process "
             f"with every cache cleared (budget: median {lo:g} s, worst {hi:g} s)",
             f"  {'sheet':<10} {'median':>8} {'worst':>8}"]
    for name, times in r["times"].items():
        med, worst = statistics.median(times), max(times)
        verdict = "within" if med <= lo and worst <= hi else "OVER"
        lines.append(f"  {name:<10} {med:7.2f}s {worst:7.2f}s  {verdict}")
    for name, got in r["class"].items():
        head = f"class set of {r['class_size']}: aibyhand class {name} ROSTER -o DIR, a fresh process: "
        if isinstance(got, str):
            lines.append(head + f"could not be made ({got})")
            continue
        seconds, cpu, near = got
        apart = f"; {near} not kept apart from every other" if near else ""
        lines.append(head + f"{seconds:.1f} s ({seconds / r['class_size']:.2f} s a student; CPU {cpu:.1f} s{apart})")
    return "\n".join(lines)


MIN_REPEATS, MAX_REPEATS = 10, 1000


def main(argv=None) -> int:
    p = Parser(prog="aibyhand bench", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=15, help=f"timed steps per process ({MIN_REPEATS} to "
                                                          f"{MAX_REPEATS}; default 15)")
    p.add_argument("--no-torch", action="store_true", help="skip (c) even if torch is installed")
    p.add_argument("--no-tuned", action="store_true", help="skip the tuned comparison line")
    p.add_argument("--step", action="store_true", help="only the head step, no budgets")
    p.add_argument("--budgets", action="store_true", help="only the budgets table")
    p.add_argument("--no-notebooks", action="store_true", help="budgets without the notebooks")
    p.add_argument("--page", action="store_true", help="only the web page at 6x CPU throttling")
    p.add_argument("--no-page", action="store_true", help="leave out the web page")
    p.add_argument("--variants", action="store_true",
                   help=f"only the seconds per variant and for a class set of {CLASS_SIZE}")
    p.add_argument("--no-variants", action="store_true", help="leave out the variants and the class set")
    p.add_argument("--seeds", type=int, default=VARIANT_SEEDS,
                   help=f"variants timed per worksheet (1 to 200; default {VARIANT_SEEDS})")
    p.add_argument("--class-sheet", action="append", metavar="NAME",
                   help=f"the worksheet of the class set (again for more; default {CLASS_SHEET})")
    p.add_argument("--child", choices=WAYS, help=argparse.SUPPRESS)
    p.add_argument("--keep-memory", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, default=128, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if not MIN_REPEATS <= args.repeats <= MAX_REPEATS:
        p.error(f"--repeats: expected an integer from {MIN_REPEATS} to {MAX_REPEATS}, got {args.repeats}")
    if not 1 <= args.batch <= 4096:
        p.error(f"--batch: expected an integer from 1 to 4096, got {args.batch}")
    if args.child:
        if args.keep_memory:
            keep_freed_memory()
        print(json.dumps(time_way(args.child, args.repeats, args.batch)))
        return 0
    only = [flag for flag in ("step", "budgets", "page", "variants") if getattr(args, flag)]
    if len(only) > 1:
        p.error(f"--{only[0]}, --{only[1]}: each means only that part; give one of them")
    for flag in ("page", "variants"):
        if getattr(args, flag) and getattr(args, f"no_{flag}"):
            p.error(f"--{flag}, --no-{flag}: give one of them")
    if not 1 <= args.seeds <= 200:
        p.error(f"--seeds: expected an integer from 1 to 200, got {args.seeds}")
    from .classroom import catalog

    for name in args.class_sheet or ():
        if name not in catalog.WORKSHEETS:
            p.error(f"--class-sheet: expected one of {', '.join(catalog.WORKSHEETS)}, got {name!r}")
    if args.page:
        from .classroom import pagebench

        print(pagebench.report())
        return 0
    if args.variants:
        print(format_variants(variants_report(seeds=args.seeds, class_sheets=args.class_sheet or (CLASS_SHEET,))))
        return 0
    if not args.budgets:
        print(format_step(step_report(args.repeats, torch_too=not args.no_torch,
                                      tuned=not args.no_tuned)), flush=True)
    if not args.step:
        if not args.budgets:
            print()
        print(format_budgets(budgets(notebooks=not args.no_notebooks)), flush=True)
    if not (args.step or args.budgets or args.no_variants):
        print()
        print(format_variants(variants_report(seeds=args.seeds, class_sheets=args.class_sheet or (CLASS_SHEET,))),
              flush=True)
    if not (args.step or args.budgets or args.no_page):
        from .classroom import pagebench

        print()
        print(pagebench.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
