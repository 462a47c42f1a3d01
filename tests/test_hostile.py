"""Nothing crashes, hangs or lies: a battery of bad and edge inputs across the API, the
command and the files.

Every case gets a clear one-line error or a correct result. API cases run bounded in
time (an interval timer) and memory (RLIMIT_AS raised by at most 2 GB for the call) and
check the exception type and that its message starts with the argument's name
(``name: expected ...``), or that the result is finite and right; inputs are never
modified. Command cases run ``aibyhand.cli.main`` in-process where that is safe, and in a
subprocess (30 s, 2 GB of address space) where a regression could hang in C, read a
device or touch the process's own stdout; each checks the exit code (0 well, 1 wrong
answers, 2 anything the user must fix), that no traceback is printed, and that an error
is exactly one line on stderr naming the file or the argument.

Groups: (a) the API, (b) Steps misuse, (c) the command line, (d) answers files,
(e) worksheet data files for ``--data`` (and the writer behind ``show --save``).
"""

from __future__ import annotations

import copy
import io
import json
import math
import os
import pickle
import re
import resource
import signal
import subprocess
import sys
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from aibyhand import backbone, decode, embed, finetune, formula, head, infonce, mrl, scale, vocab
from aibyhand.classroom import catalog, check as checker
from aibyhand.classroom.worksheet import Field, WorksheetError, parse as parse_fields, read_toml, to_toml
from aibyhand.cli import main
from aibyhand.steps import Steps, format_number
from models import random_model

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SECONDS = 20            # one in-process case
SUBPROCESS_SECONDS = 30
MEMORY = 2 << 30        # bytes of address space a case may add (subprocess: in all)


# == bounds ==========================================================================

class Hung(BaseException):
    """Raised by the interval timer: not an Exception, so nothing under test can catch it."""


def _address_space() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


@contextmanager
def bounded(seconds: float = SECONDS, memory: int = MEMORY):
    """Run the body with a timer and at most ``memory`` more bytes of address space."""
    def ring(signum, frame):
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + memory
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# == (a) the API =====================================================================

rng = np.random.default_rng(7)
A = rng.normal(size=(8, 3))
P = A + 0.3 * rng.normal(size=(8, 3))        # each anchor's own positive is nearest
M = random_model(0)                          # d_out 5
M8 = random_model(1, d_out=8)                # d_out 8: MRL at (8, 4, 2)
X = rng.normal(size=(4, 3))
Wu = rng.normal(size=(16, 4))
Wd = rng.normal(size=(8, 16))
T = rng.normal(size=(16, 3))
Xa = rng.normal(size=(4, 3))
Xp = Xa + 0.3 * rng.normal(size=(4, 3))
INPUTS = {"A": A, "P": P, "M": M, "M8": M8, "X": X, "Wu": Wu, "Wd": Wd, "T": T, "Xa": Xa, "Xp": Xp}
PRISTINE = copy.deepcopy(INPUTS)

SCALE_PAIRS = scale.pairs(8, d=16, k=4, nuisance=2)      # (16, 8) each
SCALE_HEAD = scale.init_head(16, 32)                      # (32, 16), (16, 32)
INPUTS.update({"SCALE_PAIRS": SCALE_PAIRS, "SCALE_HEAD": SCALE_HEAD})
PRISTINE = copy.deepcopy(INPUTS)
LOSS = float(infonce.forward(A, P)["loss"])
MRL_LOSS = float(mrl.forward(A, P)["loss"])
TOP1 = mrl.top1(A, P, (8, 4, 2))
E_HEAD = np.array(embed.head(X, Wu, Wd)["E"])


def _plots():
    from aibyhand import plots

    return plots


def without_head(params):
    return {k: v for k, v in params.items() if k not in ("W_up", "W_down")}


def put(x, index, value):
    y = np.array(x, dtype=float)
    y[index] = value
    return y


def zero_column(x, j):
    y = np.array(x, dtype=float)
    y[:, j] = 0.0
    return y


def times(params, **factors):
    return {**params, **{k: params[k] * f for k, f in factors.items()}}


def masked(x, value=1e6):
    """x with entry (0, 0) masked and holding garbage: the mask must be honoured or refused."""
    return np.ma.masked_array(put(x, (0, 0), value), mask=put(np.zeros(np.shape(x)), (0, 0), 1).astype(bool))


def strided(x):
    wide = np.zeros((x.shape[0] * 2, x.shape[1] * 3))
    wide[::2, ::3] = x
    return wide[::2, ::3]


def read_only(x):
    y = np.array(x)
    y.flags.writeable = False
    return y


# -- what a result must be ----------------------------------------------------------

def nonfinite(result, where: str = "") -> list[str]:
    """Names of the non-finite floats in a result (a mask's -inf is by design)."""
    bad = []
    if isinstance(result, Steps):
        for k in result:
            if k.split(" / ")[-1] in ("mask", "masked"):
                continue
            bad += nonfinite(result[k], f"{where}{k}")
    elif isinstance(result, dict):
        for k, v in result.items():
            bad += nonfinite(v, f"{where}{k}")
    elif isinstance(result, (list, tuple)):
        for i, v in enumerate(result):
            bad += nonfinite(v, f"{where}[{i}]")
    elif isinstance(result, (float, np.floating, np.ndarray)):
        arr = np.asarray(result)
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            bad.append(where or "result")
    return bad


def loss_is(expected, key="loss"):
    return lambda s: math.isclose(float(s[key]), expected, rel_tol=1e-9, abs_tol=1e-12)


def equals(expected):
    return lambda r: np.allclose(np.asarray(r), expected, rtol=1e-12, atol=0)


def not_using_masked(call_on_data, key=None):
    """A result from a masked input must differ from the one the raw data (garbage
    where masked) gives: using the masked values silently is the failure."""
    def pick(r):
        if not isinstance(r, Steps):
            return np.asarray(r)
        return np.asarray(r[key or ("loss" if "loss" in r else "E")])

    def check(result):
        a, b = pick(result), pick(call_on_data())
        assert not np.allclose(a, b), ("the mask was ignored: the result is the one the masked "
                                       "(garbage) values give")
        return True
    return check


def err(exc, *names, says=()):
    """An ``exc`` whose one-line message starts with one of ``names`` and holds every
    string of ``says`` (the value that came, what is allowed)."""
    return ("err", exc, names, tuple(says))


def ok(check=None):
    return ("ok", check)


def either(exc, names, check=None):
    """A one-line error naming one of ``names``, or a finite (and right) result."""
    return ("either", exc, tuple(names), check)


def _names_in_head(message: str) -> set[str]:
    """``"dims[0]: ..."`` -> {"dims"}; ``"W_up, W_down: ..."`` -> {"W_up", "W_down"}."""
    head_ = message.split(": ", 1)[0]
    return {re.sub(r"\[.*$", "", part.strip()) for part in head_.split(",")}


def run_api(call, spec):
    kind = spec[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with bounded():
                result = call()
        except Hung as e:
            pytest.fail(f"hung: {e}")
        except MemoryError:
            pytest.fail("ran out of memory (bound: 2 GB more address space)")
        except Exception as e:  # noqa: BLE001  judged below
            if kind == "ok":
                pytest.fail(f"expected a result, got {type(e).__name__}: {e}")
            exc, names = spec[1], spec[2]
            message = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
            assert isinstance(e, exc), f"expected {exc}, got {type(e).__name__}: {message}"
            assert "\n" not in message, f"not one line: {message!r}"
            assert _names_in_head(message) & set(names), (
                f"the message should start with one of {names} (as 'name: expected ...'): {message!r}")
            for needle in (spec[3] if kind == "err" else ()):
                assert needle in message, f"{needle!r} not in {message!r}"
            return
    if kind == "err":
        shown = repr(result) if isinstance(result, Steps) else repr(result)[:200]
        pytest.fail(f"expected {getattr(spec[1], '__name__', spec[1])} naming {spec[2]}, got a result "
                    f"{shown}; non-finite: {nonfinite(result)[:6]}")
    bad = nonfinite(result)
    assert not bad, f"returned non-finite values silently in {bad[:6]}"
    check = spec[1] if kind == "ok" else spec[3]
    if check is not None:
        assert check(result), f"wrong result: {result if not isinstance(result, Steps) else repr(result)}"


TE, VE = TypeError, ValueError
EITHER = (TypeError, ValueError)
BIG = 10 ** 400
SENTENCE = "the cat"

API_CASES = [
    # -- infonce.forward: types, dtypes, shapes
    ("infonce A None", lambda: infonce.forward(None, P), err(TE, "A")),
    ("infonce A str", lambda: infonce.forward("abc", P), err(TE, "A")),
    ("infonce A bytes", lambda: infonce.forward(b"abc", P), err(TE, "A")),
    ("infonce A dict", lambda: infonce.forward({}, P), err(EITHER, "A")),
    ("infonce A complex", lambda: infonce.forward(A + 0j, P), err(TE, "A")),
    ("infonce A object", lambda: infonce.forward(A.astype(object), P), err(TE, "A")),
    ("infonce A str dtype", lambda: infonce.forward(A.astype(str), P), err(TE, "A")),
    ("infonce A datetime", lambda: infonce.forward(np.zeros((8, 3), "M8[s]"), P), err(TE, "A")),
    ("infonce A 0-d", lambda: infonce.forward(np.float64(1.0), P), err(VE, "A")),
    ("infonce A 1-D", lambda: infonce.forward(A[:, 0], P), err(VE, "A")),
    ("infonce A 3-D", lambda: infonce.forward(A[None], P), err(VE, "A")),
    ("infonce A empty", lambda: infonce.forward(np.zeros((8, 0)), np.zeros((8, 0))), err(VE, "A")),
    ("infonce A ragged", lambda: infonce.forward([[1.0, 2.0], [3.0]], P), err(VE, "A")),
    ("infonce P shape", lambda: infonce.forward(A, P[:, :2]), err(VE, "P")),
    ("infonce A nan", lambda: infonce.forward(put(A, (3, 1), np.nan), P), err(VE, "A")),
    ("infonce P -inf", lambda: infonce.forward(A, put(P, (0, 2), -np.inf)), err(VE, "P")),
    ("infonce A zero column", lambda: infonce.forward(zero_column(A, 2), P), err(VE, "A")),
    ("infonce A subnormal column", lambda: infonce.forward(put(zero_column(A, 1), (0, 1), 1e-320), P), err(VE, "A")),
    ("infonce A 1e-320 everywhere", lambda: infonce.forward(A * 1e-320, P), err(VE, "A")),
    ("infonce A overlong column", lambda: infonce.forward(put(put(A, (0, 0), 1.7e308), (1, 0), 1.7e308), P), err(VE, "A")),
    ("infonce A longdouble 1e400", lambda: infonce.forward(np.full((8, 3), np.longdouble("1e400")), P), err(VE, "A")),
    ("infonce A masked", lambda: infonce.forward(masked(A), P),
     either(EITHER, ["A"], not_using_masked(lambda: infonce.forward(put(A, (0, 0), 1e6), P)))),
    # -- infonce.forward: inputs that must WORK, and give the right loss
    ("infonce lists of lists", lambda: infonce.forward(A.tolist(), P.tolist()), ok(loss_is(LOSS))),
    ("infonce Fortran order", lambda: infonce.forward(np.asfortranarray(A), P), ok(loss_is(LOSS))),
    ("infonce non-contiguous", lambda: infonce.forward(strided(A), strided(P)), ok(loss_is(LOSS))),
    ("infonce read-only", lambda: infonce.forward(read_only(A), read_only(P)), ok(loss_is(LOSS))),
    ("infonce float32", lambda: infonce.forward(A.astype(np.float32), P), ok(lambda s: math.isclose(float(s["loss"]), LOSS, rel_tol=1e-5))),
    ("infonce int", lambda: infonce.forward((A * 10).round().astype(int), P), ok()),
    ("infonce bool", lambda: infonce.forward(np.ones((8, 3), bool), P), ok()),
    ("infonce np.matrix", lambda: infonce.forward(np.matrix(A), np.matrix(P)), ok(loss_is(LOSS))),
    ("infonce scaled 1e200", lambda: infonce.forward(A * 1e200, P * 1e200), ok(loss_is(LOSS))),
    ("infonce scaled 1e-200", lambda: infonce.forward(A * 1e-200, P * 1e-200), ok(loss_is(LOSS))),
    ("infonce scaled 1e-300 and 1e300", lambda: infonce.forward(A * 1e-300, P * 1e300), ok(loss_is(LOSS))),
    ("infonce B=1", lambda: infonce.forward(A[:, :1], P[:, :1]), ok(loss_is(0.0))),
    ("infonce B=1 backward", lambda: infonce.backward(infonce.forward(A[:, :1], P[:, :1])), ok()),
    ("infonce d=1", lambda: infonce.forward(A[:1], P[:1]), ok()),
    # -- temperature and base at and beyond float64's edges
    ("infonce temperature 0", lambda: infonce.forward(A, P, temperature=0), err(VE, "temperature")),
    ("infonce temperature -0.0", lambda: infonce.forward(A, P, temperature=-0.0), err(VE, "temperature")),
    ("infonce temperature nan", lambda: infonce.forward(A, P, temperature=math.nan), err(VE, "temperature")),
    ("infonce temperature inf", lambda: infonce.forward(A, P, temperature=math.inf), err(VE, "temperature")),
    ("infonce temperature str", lambda: infonce.forward(A, P, temperature="0.05"), err(TE, "temperature")),
    ("infonce temperature True", lambda: infonce.forward(A, P, temperature=True), err(TE, "temperature")),
    ("infonce temperature None", lambda: infonce.forward(A, P, temperature=None), err(TE, "temperature")),
    ("infonce temperature complex", lambda: infonce.forward(A, P, temperature=0.5 + 0j), err(TE, "temperature")),
    ("infonce temperature 400 digits", lambda: infonce.forward(A, P, temperature=BIG), err(EITHER, "temperature")),
    ("infonce temperature subnormal 1e-310", lambda: infonce.forward(A, P, temperature=1e-310), err(VE, "temperature")),
    ("infonce temperature 5e-324", lambda: infonce.forward(A, P, temperature=5e-324), err(VE, "temperature")),
    ("infonce temperature 1e-300", lambda: infonce.backward(infonce.forward(A, P, temperature=1e-300)), either(VE, ["temperature"])),
    ("infonce temperature 1e308", lambda: infonce.forward(A, P, temperature=1e308), ok(loss_is(math.log(3)))),
    ("infonce temperature Fraction", lambda: infonce.forward(A, P, temperature=Fraction(1, 20)), ok(loss_is(LOSS))),
    ("infonce temperature float32", lambda: infonce.forward(A, P, temperature=np.float32(0.05)), ok()),
    ("infonce base 1", lambda: infonce.forward(A, P, base=1), err(VE, "base")),
    ("infonce base 0.5", lambda: infonce.forward(A, P, base=0.5), err(VE, "base")),
    ("infonce base inf", lambda: infonce.forward(A, P, base=math.inf), err(VE, "base")),
    ("infonce base 'e'", lambda: infonce.forward(A, P, base="e"), err(TE, "base")),
    ("infonce base 400 digits", lambda: infonce.forward(A, P, base=BIG), err(EITHER, "base")),
    ("infonce base 1e308 backward", lambda: infonce.backward(infonce.forward(A, P, base=1e308)), ok()),
    ("infonce base 1+2^-52", lambda: infonce.backward(infonce.forward(A, P, base=1 + 2 ** -52)), ok()),
    # -- infonce.backward
    ("infonce.backward None", lambda: infonce.backward(None), err(TE, "steps")),
    ("infonce.backward dict", lambda: infonce.backward(dict(infonce.forward(A, P))), err(TE, "steps")),
    ("infonce.backward mrl steps", lambda: infonce.backward(mrl.forward(A, P)), err(VE, "steps")),
    # -- mrl.forward: dims and weights
    ("mrl dims ()", lambda: mrl.forward(A, P, dims=()), err(VE, "dims")),
    ("mrl dims repeated", lambda: mrl.forward(A, P, dims=(4, 4, 2)), err(VE, "dims")),
    ("mrl dims 0", lambda: mrl.forward(A, P, dims=(8, 0)), err(VE, "dims")),
    ("mrl dims > d", lambda: mrl.forward(A, P, dims=(9,)), err(VE, "dims")),
    ("mrl dims float", lambda: mrl.forward(A, P, dims=(8, 2.5)), err(TE, "dims")),
    ("mrl dims 8.0", lambda: mrl.forward(A, P, dims=(8.0, 4, 2)), err(TE, "dims")),
    ("mrl dims 1e300", lambda: mrl.forward(A, P, dims=(1e300, 4, 2)), err(TE, "dims")),
    ("mrl dims 400 digits", lambda: mrl.forward(A, P, dims=(BIG, 4, 2)), err(VE, "dims")),
    ("mrl dims bool", lambda: mrl.forward(A, P, dims=(True, 4, 2)), err(TE, "dims")),
    ("mrl dims int", lambda: mrl.forward(A, P, dims=8), err(TE, "dims")),
    ("mrl dims str", lambda: mrl.forward(A, P, dims="842"), err(TE, "dims")),
    ("mrl dims 0-d array", lambda: mrl.forward(A, P, dims=np.array(8)), err(EITHER, "dims")),
    ("mrl dims 2-D array", lambda: mrl.forward(A, P, dims=np.array([[8, 4, 2]])), err(EITHER, "dims")),
    ("mrl dims numpy ints", lambda: mrl.forward(A, P, dims=np.array([8, 4, 2])), ok(loss_is(MRL_LOSS))),
    ("mrl weights short", lambda: mrl.forward(A, P, weights=(1, 1)), err(VE, "weights")),
    ("mrl weights negative", lambda: mrl.forward(A, P, weights=(1, -1, 1)), err(VE, "weights")),
    ("mrl weights nan", lambda: mrl.forward(A, P, weights=(1, np.nan, 1)), err(VE, "weights")),
    ("mrl weights str", lambda: mrl.forward(A, P, weights="111"), err(TE, "weights")),
    ("mrl weights scalar", lambda: mrl.forward(A, P, weights=1), err(TE, "weights")),
    ("mrl weights 2-D", lambda: mrl.forward(A, P, weights=[[1, 1, 1]]), err(VE, "weights")),
    ("mrl weights 1e308", lambda: mrl.forward(A, P, weights=(1e308, 1e308, 1e308)), either(VE, ["weights"])),
    ("mrl weights 1e308 backward", lambda: mrl.backward(mrl.forward(A, P, weights=(1e308, 0, 0))), either(VE, ["weights"])),
    ("mrl weights zero", lambda: mrl.backward(mrl.forward(A, P, weights=(0, 0, 0))), ok()),
    ("mrl weights subnormal", lambda: mrl.backward(mrl.forward(A, P, weights=(5e-324, 0, 0))), ok()),
    ("mrl temperature 1e-310", lambda: mrl.forward(A, P, temperature=1e-310), err(VE, "temperature")),
    ("mrl A masked", lambda: mrl.forward(masked(A), P),
     either(EITHER, ["A"], not_using_masked(lambda: mrl.forward(put(A, (0, 0), 1e6), P)))),
    ("mrl.backward infonce steps", lambda: mrl.backward(infonce.forward(A, P)), err(VE, "steps")),
    ("mrl.rankings infonce steps", lambda: mrl.rankings(infonce.forward(A, P)), err(VE, "steps")),
    # -- mrl.top1
    ("top1 1e-200", lambda: mrl.top1(A * 1e-200, P * 1e-200, (8, 4, 2)), either(VE, ["A", "P"], equals(TOP1))),
    ("top1 1e200", lambda: mrl.top1(A * 1e200, P * 1e200, (8, 4, 2)), either(VE, ["A", "P"], equals(TOP1))),
    ("top1 zero column", lambda: mrl.top1(zero_column(A, 1), P, (8, 4, 2)), err(VE, "A")),
    ("top1 zero in first 2 rows", lambda: mrl.top1(put(put(A, (0, 0), 0), (1, 0), 0), P, (8, 4, 2)), err(VE, "A")),
    ("top1 dims > d", lambda: mrl.top1(A, P, (9,)), err(VE, "dims")),
    ("top1 nan", lambda: mrl.top1(put(A, (0, 0), np.nan), P, (8,)), err(VE, "A")),
    ("top1 masked", lambda: mrl.top1(masked(A), P, (8, 4, 2)),
     either(EITHER, ["A"], not_using_masked(lambda: mrl.top1(put(A, (0, 0), 1e6), P, (8, 4, 2))))),
    # -- embed.head and its backward
    ("embed.head X 1-D", lambda: embed.head(X[:, 0], Wu, Wd), err(VE, "X")),
    ("embed.head W_up shape", lambda: embed.head(X, Wu[:, :3], Wd), err(VE, "W_up")),
    ("embed.head W_down shape", lambda: embed.head(X, Wu, Wd[:, :12]), err(VE, "W_down")),
    ("embed.head W_up inf", lambda: embed.head(X, put(Wu, (0, 0), np.inf), Wd), err(VE, "W_up")),
    ("embed.head X zero", lambda: embed.head(np.zeros((4, 3)), Wu, Wd), err(VE, "X", "W_up", "W_down")),
    ("embed.head tiny weights", lambda: embed.head(X, Wu * 1e-170, Wd * 1e-170), err(VE, "X", "W_up", "W_down")),
    ("embed.head huge weights", lambda: embed.head(X, Wu * 1e200, Wd * 1e200), err(VE, "X", "W_up", "W_down")),
    ("embed.head lists", lambda: embed.head(X.tolist(), Wu.tolist(), Wd.tolist()), ok(lambda s: np.allclose(s["E"], E_HEAD))),
    ("embed.head read-only strided", lambda: embed.head(read_only(strided(X)), strided(Wu), read_only(Wd)), ok(lambda s: np.allclose(s["E"], E_HEAD))),
    ("embed.head X masked", lambda: embed.head(masked(X), Wu, Wd),
     either(EITHER, ["X"], not_using_masked(lambda: embed.head(put(X, (0, 0), 1e6), Wu, Wd)))),
    ("embed.head_backward dE shape", lambda: embed.head_backward(embed.head(X, Wu, Wd), np.ones((8, 2))), err(VE, "dE")),
    ("embed.head_backward dE nan", lambda: embed.head_backward(embed.head(X, Wu, Wd), np.full((8, 3), np.nan)), err(VE, "dE")),
    ("embed.head_backward steps dict", lambda: embed.head_backward({}, np.ones((8, 3))), err(TE, "steps")),
    # -- embed.forward / backward
    ("embed pooling max", lambda: embed.forward(M, SENTENCE, pooling="max"), err(VE, "pooling")),
    ("embed pooling None", lambda: embed.forward(M, SENTENCE, pooling=None), err(EITHER, "pooling")),
    ("embed pooling list", lambda: embed.forward(M, SENTENCE, pooling=["mean"]), err(EITHER, "pooling")),
    ("embed mask sideways", lambda: embed.forward(M, SENTENCE, mask="sideways"), err(VE, "mask")),
    ("embed params list", lambda: embed.forward([1, 2], SENTENCE), err(TE, "params")),
    ("embed params missing W_down", lambda: embed.forward({k: v for k, v in M.items() if k != "W_down"}, SENTENCE), err(VE, "params")),
    ("embed unknown word", lambda: embed.forward(M, ["the cat", "a dog"]), err(VE, "sentence")),
    ("embed empty sentence", lambda: embed.forward(M, "   "), err(VE, "sentence")),
    ("embed no sentences", lambda: embed.forward(M, []), err(VE, "sentence")),
    ("embed sentence int", lambda: embed.forward(M, 5), err(EITHER, "sentence")),
    ("embed sentence in list int", lambda: embed.forward(M, ["the", 3]), err(TE, "sentence")),
    ("embed sentence bytes", lambda: embed.forward(M, b"the cat"), err(EITHER, "sentence")),
    ("embed sentence too long", lambda: embed.forward(M, "the cat sat on mat"), err(VE, "sentence")),
    ("embed sentence 100000 words", lambda: embed.forward(M, "the " * 100000), err(VE, "sentence")),
    ("embed tabs and newlines", lambda: embed.forward(M, "\tthe\ncat "), ok()),
    ("embed zero head", lambda: embed.forward(times(M, W_up=0.0), SENTENCE), err(VE, "params", "W_up", "W_down")),
    ("embed huge head", lambda: embed.forward(times(M, W_up=1e200, W_down=1e200), SENTENCE), err(VE, "params", "W_up", "W_down")),
    ("embed.backward dE shape", lambda: embed.backward(M, embed.forward(M, SENTENCE), np.ones((5, 2))), err(VE, "dE")),
    ("embed.backward steps dict", lambda: embed.backward(M, {}, np.ones((5, 1))), err(TE, "steps")),
    # -- decode
    ("decode huge Wq, Wk", lambda: decode.forward(times(M, Wq=1e200, Wk=1e200), "the cat sat"), either(VE, ["Wq", "Wk", "params"])),
    ("decode huge Etok", lambda: decode.forward(times(M, Etok=1e200), "the cat sat"), either(VE, ["Etok", "params"])),
    ("decode huge W1, W2", lambda: decode.forward(times(M, W1=1e200, W2=1e200), "the cat sat"), either(VE, ["W1", "W2", "params"])),
    ("decode temperature 1e-310", lambda: decode.forward(M, "the cat", temperature=1e-310), err(VE, "temperature")),
    ("decode temperature 400 digits", lambda: decode.forward(M, "the cat", temperature=BIG), err(EITHER, "temperature")),
    ("decode base str", lambda: decode.forward(M, "the cat", base="e"), err(TE, "base")),
    ("decode unknown word", lambda: decode.forward(M, "The cat"), err(VE, "sentence")),
    ("decode empty", lambda: decode.forward(M, ""), err(VE, "sentence")),
    ("decode None", lambda: decode.forward(M, None), err(EITHER, "sentence")),
    ("decode nested list", lambda: decode.forward(M, [["the"]]), err(EITHER, "sentence")),
    ("decode params None", lambda: decode.forward(None, "the"), err(TE, "params")),
    ("decode Wq 3-D", lambda: decode.forward({**M, "Wq": M["Wq"][None]}, "the"), err(VE, "Wq")),
    ("decode Wq str", lambda: decode.forward({**M, "Wq": "abc"}, "the"), err(TE, "Wq")),
    ("decode Pos no columns", lambda: decode.forward({**M, "Pos": np.zeros((4, 0))}, "the"), err(VE, "Pos")),
    ("decode Wv nan", lambda: decode.forward({**M, "Wv": np.full((4, 4), np.nan)}, "the"), err(VE, "Wv")),
    ("decode Etok masked", lambda: decode.forward({**M, "Etok": masked(M["Etok"])}, "the cat"),
     either(EITHER, ["Etok"], not_using_masked(lambda: decode.forward({**M, "Etok": put(M["Etok"], (0, 0), 1e6)}, "the cat"), "prob"))),
    ("decode lists", lambda: decode.forward({k: v.tolist() for k, v in M.items()}, "the cat"), ok()),
    ("decode.next_words dict", lambda: decode.next_words({}), err(TE, "steps")),
    ("decode.generate n 0", lambda: decode.generate(M, "the", 0), err(VE, "n")),
    ("decode.generate n float", lambda: decode.generate(M, "the", 2.0), err(TE, "n")),
    ("decode.generate n bool", lambda: decode.generate(M, "the", True), err(TE, "n")),
    ("decode.generate n 10^9", lambda: decode.generate(M, "the", 10 ** 9), ok(lambda r: len(r) <= 4)),
    ("decode.generate list", lambda: decode.generate(M, ["the"], 2), err(TE, "sentence")),
    ("decode.generate temperature", lambda: decode.generate(M, "the", 2, temperature=-1), err(VE, "temperature")),
    # -- backbone
    ("backbone mask bad", lambda: backbone.forward(M, "the", mask="both"), err(VE, "mask")),
    ("backbone.backward dH 2-D", lambda: backbone.backward(M, backbone.forward(M, "the", mask="causal"), np.ones((4, 1))), err(VE, "dH")),
    ("backbone.backward dH nan", lambda: backbone.backward(M, backbone.forward(M, "the cat", mask="causal"), np.full((1, 4, 2), np.nan)), err(VE, "dH")),
    ("backbone.backward dH 1e308", lambda: backbone.backward(M, backbone.forward(M, "the cat", mask="causal"), np.full((1, 4, 2), 1e308)), either(VE, ["dH"])),
    # -- head
    ("head T shape", lambda: head.forward(X, Wu, Wd, np.ones((8, 3))), err(VE, "T")),
    ("head dims > d_out", lambda: head.forward(X, Wu, Wd, T, dims=(9,)), err(VE, "dims")),
    ("head dims ()", lambda: head.forward(X, Wu, Wd, T, dims=()), err(VE, "dims")),
    ("head dims (1,)", lambda: head.forward(X, Wu, Wd, T, dims=(1,)), ok()),
    ("head huge W_up, W_down", lambda: head.forward(X, Wu * 1e200, Wd * 1e200, T), err(VE, "W_up", "W_down")),
    ("head huge T", lambda: head.forward(X, Wu, Wd, T * 1e200), err(VE, "T")),
    ("head huge X blames X", lambda: head.forward(X * 1e300, Wu, Wd, T), err(VE, "X")),
    ("head huge W_up blames W_up", lambda: head.forward(X, Wu * 1e160, Wd, T), err(VE, "W_up")),
    ("head M near float64's largest", lambda: head.backward(head.forward(X, Wu * 1e153, Wd * 1e153, T)), either(VE, ["W_up", "W_down", "T"])),
    ("head 1e-200 and 1e200", lambda: (lambda s: (s, head.backward(s)))(head.forward(X, Wu * 1e-200, Wd * 1e200, T)),
     ok(lambda r: r[0]["rank M"] == 4)),
    ("head tiny W_down", lambda: head.backward(head.forward(X, Wu, Wd * 1e-300, T)), ok()),
    ("head.backward infonce steps", lambda: head.backward(infonce.forward(X, X)), err(VE, "steps")),
    # -- finetune.head_step
    ("head_step lr 0", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0), err(VE, "lr")),
    ("head_step lr inf", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=math.inf), err(VE, "lr")),
    ("head_step lr None", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=None), err(TE, "lr")),
    ("head_step lr str", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr="0.1"), err(TE, "lr")),
    ("head_step lr 400 digits", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=BIG), err(EITHER, "lr")),
    ("head_step lr 1e308 after", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=1e308, after=True), either(VE, ["lr"])),
    ("head_step after 'no'", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1, after="no"), err(TE, "after")),
    ("head_step update str", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1, update="W_up"), err(TE, "update")),
    ("head_step update empty", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1, update=()), err(VE, "update")),
    ("head_step update W1", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1, update=("W1",)), err(VE, "update")),
    ("head_step Xa str", lambda: finetune.head_step("x", Xp, Wu, Wd, lr=0.1), err(TE, "Xa")),
    ("head_step Xp shape", lambda: finetune.head_step(Xa, Xp[:, :2], Wu, Wd, lr=0.1), err(VE, "Xp")),
    ("head_step Xa nan", lambda: finetune.head_step(put(Xa, (0, 0), np.nan), Xp, Wu, Wd, lr=0.1), err(VE, "Xa")),
    ("head_step Xa zero", lambda: finetune.head_step(np.zeros((4, 3)), Xp, Wu, Wd, lr=0.1), err(VE, "Xa", "W_up", "W_down")),
    ("head_step temperature 1e-310", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1, temperature=1e-310), err(VE, "temperature")),
    ("head_step non-contiguous read-only", lambda: finetune.head_step(read_only(strided(Xa)), strided(Xp), read_only(Wu), Wd, lr=0.1),
     ok(loss_is(float(finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1)["loss"])))),
    # -- finetune.step / train / updated
    ("step freeze 'False'", lambda: finetune.step(M8, ["the cat"], ["the dog"], lr=0.1, freeze_backbone="False"), err(TE, "freeze_backbone")),
    ("step freeze None", lambda: finetune.step(M8, ["the cat"], ["the dog"], lr=0.1, freeze_backbone=None), err(TE, "freeze_backbone")),
    ("step after 'False'", lambda: finetune.step(M8, ["the cat"], ["the dog"], lr=0.1, after="False"), err(TE, "after")),
    ("step pairs mismatch", lambda: finetune.step(M8, ["the cat"], ["the dog", "cat"], lr=0.1), err(VE, "positives")),
    ("step no pairs", lambda: finetune.step(M8, [], [], lr=0.1), err(VE, "anchors")),
    ("step anchors set", lambda: finetune.step(M8, {"the cat"}, {"the dog"}, lr=0.1), err(EITHER, "anchors")),
    ("step unknown word in positives", lambda: finetune.step(M8, ["the cat"], ["a dog"], lr=0.1), err(VE, "positives")),
    ("step int in anchors", lambda: finetune.step(M8, [1], ["the dog"], lr=0.1), err(EITHER, "anchors")),
    ("step lr 1e308", lambda: finetune.step(M8, ["the cat", "dog"], ["the dog", "cat"], lr=1e308), either(VE, ["lr"])),
    ("step temperature 1e-310", lambda: finetune.step(M8, ["the cat", "dog"], ["the dog", "cat"], lr=0.1, temperature=1e-310), err(VE, "temperature")),
    ("step huge Wq, Wk", lambda: finetune.step(times(M8, Wq=1e200, Wk=1e200), ["the cat sat", "dog"], ["the dog", "cat"], lr=0.1),
     either(VE, ["Wq", "Wk", "params"])),
    ("train n_steps -1", lambda: finetune.train(M8, ["the cat"], ["the dog"], n_steps=-1, lr=0.1), err(VE, "n_steps")),
    ("train n_steps float", lambda: finetune.train(M8, ["the cat"], ["the dog"], n_steps=2.0, lr=0.1), err(TE, "n_steps")),
    ("train freeze 'False'", lambda: finetune.train(M8, ["the cat"], ["the dog"], n_steps=1, lr=0.1, freeze_backbone="False"), err(TE, "freeze_backbone")),
    ("train lr 0 with 0 steps", lambda: finetune.train(M8, ["the cat"], ["the dog"], n_steps=0, lr=0), err(VE, "lr")),
    ("train lr 1e300", lambda: finetune.train(M8, ["the cat", "dog"], ["the dog", "cat"], n_steps=2, lr=1e300), either(VE, ["lr"])),
    ("updated dict", lambda: finetune.updated({}), err(TE, "steps")),
    ("updated mrl steps", lambda: finetune.updated(mrl.forward(A, P)), err(VE, "steps")),
    # -- one line, naming the value that came: an array's repr has line breaks
    ("generate n a 2-D array", lambda: decode.generate(M, "the", np.ones((2, 2))), err(TE, "n", says=["ndarray"])),
    ("head_step after a 2-D array", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1, after=np.ones((3, 3))), err(TE, "after")),
    ("head_step update a 2-D array", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1, update=np.array([["W_up"]])), err(TE, "update")),
    ("head_step update [1]", lambda: finetune.head_step(Xa, Xp, Wu, Wd, lr=0.1, update=[1]), err(VE, "update")),
    ("mrl weights a 2-D array", lambda: mrl.forward(A, P, weights=np.ones((3, 3))), err(VE, "weights")),
    ("infonce temperature an array", lambda: infonce.forward(A, P, temperature=np.ones((2, 2))), err(TE, "temperature")),
    ("embed pooling an array", lambda: embed.forward(M, SENTENCE, pooling=np.array(["mean", "last"])), err(VE, "pooling", says=["mean, last"])),
    ("embed mask an array", lambda: embed.forward(M, SENTENCE, mask=np.array(["causal"] * 2)), err(VE, "mask")),
    ("backbone mask 0", lambda: backbone.forward(M, "the", mask=0), err(VE, "mask", says=["causal, bidirectional", "0"])),
    # -- sentences: bytes and other things that are not words
    ("embed a bytes sentence", lambda: embed.forward(M, b"the cat"), err(TE, "sentence", says=["bytes", "b'the cat'"])),
    ("embed a bytes sentence in a list", lambda: embed.forward(M, ["the", b"cat"]), err(TE, "sentence", says=["sentence[1]", "bytes"])),
    ("decode a bytearray", lambda: decode.forward(M, bytearray(b"the")), err(TE, "sentence", says=["bytearray"])),
    ("decode a set of sentences", lambda: decode.forward(M, {"the cat"}), err(TE, "sentence", says=["set"])),
    ("decode an int", lambda: decode.forward(M, 7), err(TE, "sentence", says=["int 7"])),
    ("embed a tuple of sentences works", lambda: embed.forward(M, ("the cat", "dog")), ok()),
    ("vocab.encode max_len 0", lambda: vocab.encode("the", 0), err(VE, "max_len")),
    ("vocab.encode max_len None", lambda: vocab.encode("the", None), err(VE, "max_len")),
    # -- sizes whose B x B (or n x n) matrices would not fit: refused before any is made
    ("infonce 5000 pairs", lambda: infonce.forward(np.ones((1, 5000)), np.ones((1, 5000))), err(VE, "A", says=["5,000", "4,096"])),
    ("infonce 4096 pairs works", lambda: infonce.forward(np.eye(2, 4096, k=0) + 1, np.eye(2, 4096) + 1, temperature=1), ok()),
    ("mrl 5000 pairs", lambda: mrl.forward(np.ones((2, 5000)), np.ones((2, 5000)), dims=(2, 1)), err(VE, "A", says=["4,096"])),
    ("top1 5000 pairs", lambda: mrl.top1(np.ones((2, 5000)), np.ones((2, 5000)), (2,)), err(VE, "A", says=["4,096"])),
    ("head_step 5000 pairs", lambda: finetune.head_step(np.ones((4, 5000)), np.ones((4, 5000)), Wu, Wd, lr=0.1), err(VE, "Xa", says=["4,096"])),
    ("step 5000 pairs", lambda: finetune.step(M8, ["the cat"] * 5000, ["dog"] * 5000, lr=0.1), err(VE, "anchors", says=["4,096"])),
    ("backbone 5000 words", lambda: backbone.forward({**M, "Pos": np.ones((4, 5000))}, "the " * 5000, mask="causal"),
     err(VE, "sentence", says=["5,000 words"])),
    # -- finetune.train: bounded, and params checked before anything runs
    ("train n_steps 10^9", lambda: finetune.train(M8, ["the cat"], ["the dog"], n_steps=10 ** 9, lr=0.1), err(VE, "n_steps", says=["100,000", "1000000000"])),
    ("train n_steps 10^400", lambda: finetune.train(M8, ["the cat"], ["the dog"], n_steps=10 ** 400, lr=0.1), err(VE, "n_steps", says=["401 digits"])),
    ("train params None", lambda: finetune.train(None, ["the cat"], ["the dog"], n_steps=1, lr=0.1), err(TE, "params")),
    ("train params a list", lambda: finetune.train([("Etok", 1)], ["the cat"], ["the dog"], n_steps=1, lr=0.1), err(TE, "params")),
    ("train params without a head", lambda: finetune.train(without_head(M8), ["the cat"], ["the dog"], n_steps=1, lr=0.1), err(VE, "params", says=["W_up"])),
    # -- scale: the at-scale experiment's pieces
    ("scale.init_head d 0", lambda: scale.init_head(d=0, d_up=8), err(VE, "d", says=["got 0"])),
    ("scale.init_head d_up 0", lambda: scale.init_head(d=8, d_up=0), err(VE, "d_up")),
    ("scale.init_head d -1", lambda: scale.init_head(d=-1), err(VE, "d")),
    ("scale.init_head d 1.5", lambda: scale.init_head(d=1.5), err(TE, "d", says=["1.5"])),
    ("scale.init_head d None", lambda: scale.init_head(d=None), err(TE, "d")),
    ("scale.init_head d 10^400", lambda: scale.init_head(d=10 ** 400), err(VE, "d")),
    ("scale.init_head 2^20 x 2^20", lambda: scale.init_head(d=2 ** 20, d_up=2 ** 20), err(VE, "d_up", says=["33,554,432"])),
    ("scale.init_head seed -1", lambda: scale.init_head(d=4, d_up=8, seed=-1), err(VE, "seed", says=["-1"])),
    ("scale.init_head seed '1'", lambda: scale.init_head(d=4, d_up=8, seed="1"), err(TE, "seed")),
    ("scale.init_head np.int64 works", lambda: scale.init_head(d=np.int64(4), d_up=8), ok(lambda r: r[0].shape == (8, 4) and r[1].shape == (4, 8))),
    ("scale.pairs seed -1", lambda: scale.pairs(4, d=8, k=2, nuisance=2, seed=-1), err(VE, "seed", says=["-1"])),
    ("scale.pairs seed 1.5", lambda: scale.pairs(4, d=8, k=2, nuisance=2, seed=1.5), err(TE, "seed")),
    ("scale.pairs seed None", lambda: scale.pairs(4, d=8, k=2, nuisance=2, seed=None), err(TE, "seed")),
    ("scale.pairs n 0", lambda: scale.pairs(0, d=8, k=2), err(VE, "n")),
    ("scale.pairs d 0", lambda: scale.pairs(4, d=0, k=2), err(VE, "d")),
    ("scale.pairs k 0", lambda: scale.pairs(4, d=8, k=0), err(VE, "k")),
    ("scale.pairs nuisance -1", lambda: scale.pairs(4, d=8, k=2, nuisance=-1), err(VE, "nuisance")),
    ("scale.pairs nuisance 0 works", lambda: scale.pairs(4, d=8, k=2, nuisance=0), ok()),
    ("scale.pairs noise -1", lambda: scale.pairs(4, d=8, k=2, noise=-1), err(VE, "noise", says=[">= 0"])),
    ("scale.pairs noise nan", lambda: scale.pairs(4, d=8, k=2, noise=math.nan), err(VE, "noise")),
    ("scale.pairs noise 'x'", lambda: scale.pairs(4, d=8, k=2, noise="x"), err(TE, "noise")),
    ("scale.pairs noise a list", lambda: scale.pairs(4, d=8, k=2, noise=[1, 2]), err(TE, "noise")),
    ("scale.pairs strength inf", lambda: scale.pairs(4, d=8, k=2, strength=math.inf), err(VE, "strength")),
    ("scale.pairs strength 1e308", lambda: scale.pairs(4, d=8, k=2, nuisance=2, strength=1e308), either(VE, ["noise", "strength"])),
    ("scale.pairs decay -1", lambda: scale.pairs(4, d=8, k=2, decay=-1), err(VE, "decay")),
    ("scale.pairs decay 1e308 works", lambda: scale.pairs(4, d=8, k=2, decay=1e308), ok()),
    ("scale.pairs 10^9 pairs", lambda: scale.pairs(10 ** 9), err(VE, "n", says=["33,554,432"])),
    ("scale.train batch > pairs", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16,), steps=1, batch=9, lr=0.1), err(VE, "batch", says=["9", "1 to 8"])),
    ("scale.train batch 0", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16,), steps=1, batch=0, lr=0.1), err(VE, "batch")),
    ("scale.train steps -1", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16,), steps=-1, batch=4, lr=0.1), err(VE, "steps")),
    ("scale.train steps 10^12", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16,), steps=10 ** 12, batch=4, lr=0.1), err(VE, "steps", says=["100,000"])),
    ("scale.train steps 2.0", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16,), steps=2.0, batch=4, lr=0.1), err(TE, "steps")),
    ("scale.train lr 0 with 0 steps", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16,), steps=0, batch=4, lr=0), err(VE, "lr")),
    ("scale.train dims > d_out", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(17,), steps=0, batch=4, lr=0.1), err(VE, "dims")),
    ("scale.train W_up shape", lambda: scale.train(*SCALE_PAIRS, SCALE_HEAD[0][:, :3], SCALE_HEAD[1], dims=(16,), steps=1, batch=4, lr=0.1), err(VE, "W_up")),
    ("scale.train Xa None", lambda: scale.train(None, SCALE_PAIRS[1], *SCALE_HEAD, dims=(16,), steps=1, batch=4, lr=0.1), err(TE, "Xa")),
    ("scale.train Xp shape", lambda: scale.train(SCALE_PAIRS[0], SCALE_PAIRS[1][:, :4], *SCALE_HEAD, dims=(16,), steps=1, batch=4, lr=0.1), err(VE, "Xp")),
    ("scale.train Xa nan", lambda: scale.train(put(SCALE_PAIRS[0], (0, 0), np.nan), SCALE_PAIRS[1], *SCALE_HEAD, dims=(16,), steps=1, batch=4, lr=0.1), err(VE, "Xa")),
    ("scale.train seed -1", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16,), steps=1, batch=4, lr=0.1, seed=-1), err(VE, "seed")),
    ("scale.train temperature 0", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16,), steps=1, batch=4, lr=0.1, temperature=0), err(VE, "temperature")),
    ("scale.train works", lambda: scale.train(*SCALE_PAIRS, *SCALE_HEAD, dims=(16, 4), steps=2, batch=8, lr=0.1),
     ok(lambda r: r[0].shape == (32, 16) and r[1].shape == (16, 32) and r[2].shape == (2,))),
    ("scale.top1 W_up shape", lambda: scale.top1(*SCALE_PAIRS, SCALE_HEAD[0][:, :3], SCALE_HEAD[1], widths=(16,)),
     err(VE, "W_up", says=["(32, 3)"])),
    ("scale.top1 W_down shape", lambda: scale.top1(*SCALE_PAIRS, SCALE_HEAD[0], SCALE_HEAD[1][:, :5], widths=(16,)), err(VE, "W_down")),
    ("scale.top1 widths > d_out", lambda: scale.top1(*SCALE_PAIRS, *SCALE_HEAD, widths=(32,)), err(VE, "widths", says=["16"])),
    ("scale.top1 widths 'x'", lambda: scale.top1(*SCALE_PAIRS, *SCALE_HEAD, widths="x"), err(TE, "widths")),
    ("scale.top1 Xp shape", lambda: scale.top1(SCALE_PAIRS[0], SCALE_PAIRS[1][:4], *SCALE_HEAD, widths=(16,)), err(VE, "Xp")),
    ("scale.top1 huge head", lambda: scale.top1(*SCALE_PAIRS, SCALE_HEAD[0] * 1e200, SCALE_HEAD[1] * 1e200, widths=(16,)),
     err(VE, "Xa", "Xp", "W_up", "W_down")),
    ("scale.top1 identity head", lambda: scale.top1(*SCALE_PAIRS, np.eye(16), np.eye(16), widths=(16, 8)),
     ok(equals(mrl.top1(*SCALE_PAIRS, (16, 8))))),
    ("scale.experiment n_train 100", lambda: scale.experiment(n_train=100), err(VE, "n_train", says=["128"])),
    ("scale.experiment n_test 0", lambda: scale.experiment(n_test=0), err(VE, "n_test")),
    ("scale.experiment steps -1", lambda: scale.experiment(steps=-1), err(VE, "steps")),
    ("scale.experiment pretrain 10^9", lambda: scale.experiment(pretrain=10 ** 9), err(VE, "pretrain")),
    ("scale.experiment lr 0", lambda: scale.experiment(lr=0), err(VE, "lr")),
    ("scale.experiment pretrain_lr nan", lambda: scale.experiment(pretrain_lr=math.nan), err(VE, "pretrain_lr")),
    ("scale.experiment seed -1", lambda: scale.experiment(seed=-1), err(VE, "seed")),
    # -- Steps' printer
    ("Steps.format decimals an array", lambda: infonce.forward(A, P).format("loss", decimals=np.ones((2, 2))), err(VE, "decimals")),
    ("Steps.format decimals 18", lambda: infonce.forward(A, P).format("loss", decimals=18), err(VE, "decimals", says=["0 to 17"])),
    ("Steps.format hand 'yes'", lambda: infonce.forward(A, P).format("loss", hand="yes"), err(TE, "hand")),
    ("Steps.format header 1", lambda: infonce.forward(A, P).format("loss", header=1), err(TE, "header")),
    ("Steps.format names an array", lambda: infonce.forward(A, P).format(np.array(["loss"])), err(TE, "names")),
    ("Steps.format names bytes", lambda: infonce.forward(A, P).format(b"loss"), err(TE, "names")),
    ("Steps.format names a generator", lambda: infonce.forward(A, P).format(n for n in ("loss", "S")),
     ok(lambda t: t.startswith("loss") and "S = " in t)),
    ("format_number a string", lambda: format_number("1.5"), err(TE, "x")),
    ("format_number None", lambda: format_number(None), err(TE, "x")),
    ("format_number decimals None", lambda: format_number(1.5, decimals=None), err(VE, "decimals")),
    ("format_number -0.001", lambda: format_number(-0.001, decimals=2), ok(lambda t: t == "0.00")),
    ("format_number a 0-d array", lambda: format_number(np.array(0.5), decimals=2), ok(lambda t: t == "0.50")),
    # -- the notebooks' pictures
    ("heatmap steps a dict", lambda: _plots().heatmap({}, "S"), err(TE, "steps")),
    ("heatmap name missing", lambda: _plots().heatmap(infonce.forward(A, P), "nope"), err(VE, "name", says=["'nope'"])),
    ("heatmap name 3", lambda: _plots().heatmap(infonce.forward(A, P), 3), err(TE, "name")),
    ("heatmap block 5 of 1", lambda: _plots().heatmap(backbone.forward(M, "the cat", mask="causal"), "attn", block=5), err(VE, "block")),
    ("heatmap hand an array", lambda: _plots().heatmap(infonce.forward(A, P), "S", hand=np.ones(2)), err(TE, "hand")),
    ("heatmap cmap 'nope'", lambda: _plots().heatmap(infonce.forward(A, P), "S", cmap="nope"), err(VE, "cmap")),
    ("heatmap limits 'ab'", lambda: _plots().heatmap(infonce.forward(A, P), "S", limits="ab"), err(TE, "limits")),
    ("heatmap limits (1, 0)", lambda: _plots().heatmap(infonce.forward(A, P), "S", limits=(1, 0)), err(VE, "limits")),
    ("heatmap limits (0, nan)", lambda: _plots().heatmap(infonce.forward(A, P), "S", limits=(0, math.nan)), err(VE, "limits")),
    ("heatmap title 5", lambda: _plots().heatmap(infonce.forward(A, P), "S", title=5), err(TE, "title")),
    ("heatmap works", lambda: _plots().heatmap(infonce.forward(A, P), "prob", limits=(0, 1)), ok()),
    ("heatmaps a string", lambda: _plots().heatmaps("S"), err(TE, "panels")),
    ("heatmaps a missing step", lambda: _plots().heatmaps([(infonce.forward(A, P), "nope", "")]), err(VE, "name")),
    ("training an infonce Steps", lambda: _plots().training(infonce.forward(A, P)), err(VE, "name")),
    ("unit_circle a zero column", lambda: _plots().unit_circle(zero_column(A, 1)[:, :2], A[:, :2]), err(VE, "before", says=["column 1"])),
    ("unit_circle an odd number of columns", lambda: _plots().unit_circle(A, A), err(VE, "before")),
    ("unit_circle shapes differ", lambda: _plots().unit_circle(A[:, :2], A[:4, :2]), err(VE, "after")),
    ("unit_circle labels 3 for 1", lambda: _plots().unit_circle(A[:, :2], P[:, :2], labels=["a", "b", "c"]), err(TE, "labels")),
    ("unit_circle None", lambda: _plots().unit_circle(None, A[:, :2]), err(TE, "before")),
    ("unit_circle works", lambda: _plots().unit_circle(A[:, :2], P[:, :2], labels=["cat"]), ok()),
    ("accuracy_by_width a step without widths", lambda: _plots().accuracy_by_width(infonce.forward(A, P), "S"), err(VE, "name")),
    # -- formula: the public reader of every step's formula
    ("formula deep parentheses", lambda: formula.parse("(" * 5000 + "A" + ")" * 5000, {"A": "A"}), err(formula.FormulaError, "'" + "(" * 40 + "'...")),
    ("formula unknown name", lambda: formula.parse("B + A", {"A": "A"}), err(formula.FormulaError, "'B + A'")),
    ("formula unbalanced", lambda: formula.parse("(A", {"A": "A"}), err(formula.FormulaError, "'(A'")),
]


@pytest.mark.parametrize("call, spec", [pytest.param(c, s, id=i) for i, c, s in API_CASES])
def test_api(call, spec):
    run_api(call, spec)
    for name, value in INPUTS.items():
        assert _same(value, PRISTINE[name]), f"{name} was modified"


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


def _copies(args):
    return copy.deepcopy(args)


MUTATION_CALLS = [
    ("infonce", lambda a: infonce.backward(infonce.forward(a["A"], a["P"])), {"A": A, "P": P}),
    ("mrl", lambda a: mrl.backward(mrl.forward(a["A"], a["P"], dims=a["dims"], weights=a["w"])),
     {"A": A, "P": P, "dims": [2, 8, 4], "w": np.array([1.0, 2.0, 0.5])}),
    ("mrl.top1", lambda a: mrl.top1(a["A"], a["P"], a["dims"]), {"A": A, "P": P, "dims": [8, 2]}),
    ("embed.head", lambda a: embed.head_backward(embed.head(a["X"], a["Wu"], a["Wd"]), a["dE"]),
     {"X": X, "Wu": Wu, "Wd": Wd, "dE": np.ones((8, 3))}),
    ("embed.forward", lambda a: embed.backward(a["M"], embed.forward(a["M"], a["s"]), np.ones((5, 2))),
     {"M": M, "s": ["the cat", "dog ran"]}),
    ("decode.generate", lambda a: decode.generate(a["M"], a["s"], 2), {"M": M, "s": "the"}),
    ("backbone.backward", lambda a: backbone.backward(a["M"], backbone.forward(a["M"], a["s"], mask="causal"), a["dH"]),
     {"M": M, "s": ["the cat", "dog"], "dH": np.ones((2, 4, 2))}),
    ("head", lambda a: head.backward(head.forward(a["X"], a["Wu"], a["Wd"], a["T"], dims=a["dims"])),
     {"X": X, "Wu": Wu, "Wd": Wd, "T": T, "dims": [2, 4]}),
    ("finetune.head_step", lambda a: finetune.head_step(a["Xa"], a["Xp"], a["Wu"], a["Wd"], lr=0.5, after=True,
                                                        dims=a["dims"]),
     {"Xa": Xa, "Xp": Xp, "Wu": Wu, "Wd": Wd, "dims": [8, 2]}),
    ("finetune.step", lambda a: finetune.step(a["M"], a["an"], a["po"], lr=0.5), {"M": M8, "an": ["the cat"], "po": ["the dog"]}),
    ("finetune.train", lambda a: finetune.train(a["M"], a["an"], a["po"], n_steps=2, lr=0.5),
     {"M": M8, "an": ["the cat", "dog"], "po": ["the dog", "cat"]}),
    ("an error", lambda a: infonce.forward(a["A"], a["P"], temperature=-1), {"A": A, "P": P}),
    ("scale.train", lambda a: scale.train(a["Xa"], a["Xp"], a["Wu"], a["Wd"], dims=a["dims"], steps=2, batch=4, lr=0.1),
     {"Xa": SCALE_PAIRS[0], "Xp": SCALE_PAIRS[1], "Wu": SCALE_HEAD[0], "Wd": SCALE_HEAD[1], "dims": [16, 4]}),
    ("scale.top1", lambda a: scale.top1(a["Xa"], a["Xp"], a["Wu"], a["Wd"], widths=a["w"]),
     {"Xa": SCALE_PAIRS[0], "Xp": SCALE_PAIRS[1], "Wu": SCALE_HEAD[0], "Wd": SCALE_HEAD[1], "w": [16, 2]}),
    ("worksheet steps", lambda a: catalog.get("finetune").steps(a["data"]), {"data": catalog.get("finetune").load()}),
    ("check NumPy answers", lambda a: checker.check(catalog.get("infonce").sheet, catalog.get("infonce").steps(), a["answers"]),
     {"answers": {"S": np.array(catalog.get("infonce").steps()["S"]), "loss": [np.float64(1.0)]}}),
]


@pytest.mark.parametrize("call, args", [pytest.param(c, a, id=i) for i, c, a in MUTATION_CALLS])
def test_api_never_modifies_its_inputs(call, args):
    """Writeable inputs (the caller's own arrays, lists, dicts) come back unchanged and
    still writeable."""
    mine = _copies(args)
    with warnings.catch_warnings(), bounded():
        warnings.simplefilter("ignore")
        try:
            result = call(mine)
        except ValueError:
            result = None
    for k, v in args.items():
        assert _same_any(mine[k], v), f"{k} was modified"
        if isinstance(mine[k], np.ndarray):
            assert mine[k].flags.writeable, f"{k} was made read-only"
    if result is not None:
        assert not nonfinite(result), nonfinite(result)[:5]


def _same_any(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_any(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and a and isinstance(a[0], str):
        return list(a) == list(b)
    return np.array_equal(np.asarray(a), np.asarray(b))


# == (b) Steps misuse ================================================================

def _fresh():
    return infonce.forward(A.copy(), P.copy(), temperature=0.5)


def _set_writeable(s):
    s["A"].flags.writeable = True


def _set_writeable_computed(s):
    s["S"].flags.writeable = True


def _write_through_asarray(s):
    np.asarray(s["S"])[0, 0] = 99.0


def _write_through_base(s):
    """The view's base (numpy's DummyArray) exposes the buffer: a path back must not
    be writeable."""
    base = s["S"]
    for _ in range(4):
        if getattr(base, "base", None) is None:
            break
        base = base.base
        try:
            arr = np.asarray(base)
        except Exception:  # noqa: BLE001
            continue
        if arr.flags.writeable:
            arr[...] = 99.0
            return
    raise ValueError("no writeable path back")


def _set_meta(s):
    s.meta["temperature"] = 0


def _del_meta(s):
    del s.meta["base"]


def _replace_meta(s):
    s.meta = {}


def _with_meta_then_backward(s):
    s.with_meta(temperature=0)  # private since (_with_meta): no public way to change meta
    return infonce.backward(s)


def _resize(s):
    s["A"].resize((3, 3), refcheck=False)


STEPS_CASES = [
    # writing into a step, or through it into the caller's array, must be impossible
    ("flags.writeable on a given", _set_writeable, (ValueError,)),
    ("flags.writeable on a computed step", _set_writeable_computed, (ValueError,)),
    ("write through np.asarray", _write_through_asarray, (ValueError,)),
    ("write through .base", _write_through_base, (ValueError,)),
    ("resize a step", _resize, (ValueError,)),
    ("setitem", lambda s: s.__setitem__("A", 1), (TypeError, AttributeError)),
    ("delitem", lambda s: s.__delitem__("A"), (TypeError, AttributeError)),
    # meta is read-only, and what a backward reads cannot be changed after the forward
    ("meta item", _set_meta, (TypeError,)),
    ("meta del", _del_meta, (TypeError,)),
    ("meta replaced", _replace_meta, (AttributeError,)),
    ("with_meta after the forward, then backward", _with_meta_then_backward, (ValueError, TypeError, AttributeError)),
    # missing keys and the formula / uses API: KeyError or ValueError naming the step
    ("missing step", lambda s: s["nope"], (KeyError,)),
    ("missing step int", lambda s: s[0], (KeyError,)),
    ("step() of a missing step", lambda s: s.step("nope"), (KeyError,)),
    ("formula of a given", lambda s: s.formula("A"), (ValueError,)),
    ("formula of a missing step", lambda s: s.formula("nope"), (KeyError,)),
    ("uses of a missing step", lambda s: s.uses("nope"), (KeyError,)),
    ("sub of a missing prefix", lambda s: s.sub("nope"), (KeyError,)),
    ("format a missing step", lambda s: s.format("nope"), (KeyError,)),
    ("add a step twice", lambda s: s.add("A", 1.0, ""), (ValueError,)),
    ("add an object array", lambda s: s.add("Z", np.array([None]), ""), (TypeError,)),
    ("format decimals -1", lambda s: s.format("S", decimals=-1), (ValueError, TypeError)),
    ("format decimals 10^10", lambda s: s.format("S", decimals=10 ** 10), (ValueError, TypeError)),
    ("format names int", lambda s: s.format(3), (TypeError, KeyError)),
]

# what each error must name (the step, the setting or the argument)
STEPS_NAMES = {"missing step": "nope", "missing step int": "0", "step() of a missing step": "nope",
               "formula of a given": "A", "formula of a missing step": "nope",
               "uses of a missing step": "nope", "sub of a missing prefix": "nope",
               "format a missing step": "nope", "add a step twice": "A",
               "with_meta after the forward, then backward": "with_meta",
               "format decimals -1": "decimals", "format decimals 10^10": "decimals",
               "format names int": "names"}


@pytest.mark.parametrize("misuse, errors", [pytest.param(c, e, id=i) for i, c, e in STEPS_CASES])
def test_steps_misuse(misuse, errors, request):
    case = request.node.callspec.id
    s = _fresh()
    before = {k: np.array(v) for k, v in s.items()}
    meta = dict(s.meta)
    caller_A = np.array(s["A"])
    with warnings.catch_warnings(), bounded():
        warnings.simplefilter("ignore")
        try:
            result = misuse(s)
        except errors as e:
            message = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
            if case in STEPS_NAMES:
                assert STEPS_NAMES[case] in message.split(":")[0] or message.startswith(
                    f"'{STEPS_NAMES[case]}'") or STEPS_NAMES[case] in message, message
                assert "\n" not in message, message
        else:
            if case == "with_meta after the forward, then backward":
                assert not nonfinite(result), (
                    f"meta changed after the forward (temperature 0) and backward silently gave "
                    f"non-finite {nonfinite(result)[:4]}")
            else:
                pytest.fail(f"{case}: no error")
    if case not in ("with_meta after the forward, then backward", "add a step twice", "add an object array"):
        assert all(np.array_equal(s[k], before[k], equal_nan=True) for k in before), "a step changed"
        assert dict(s.meta) == meta, "meta changed"
    np.testing.assert_array_equal(caller_A, before["A"])


def test_steps_views_of_the_callers_array_stay_read_only_and_the_callers_stay_writeable():
    mine = A.copy()
    s = infonce.forward(mine, P)
    with pytest.raises(ValueError):
        s["A"].flags.writeable = True
    mine[0, 0] = 123.0          # the caller's array is still theirs to write
    assert mine.flags.writeable


EQ_CASES = [
    ("equal recomputation", lambda: _fresh() == _fresh(), True),
    ("not equal: other temperature", lambda: _fresh() == infonce.forward(A, P, temperature=0.25), False),
    ("not equal: an int", lambda: _fresh() == 3, False),
    ("not equal: a dict of the same arrays", lambda: _fresh() == dict(_fresh()), False),
    ("not equal: other kinds", lambda: _fresh() == mrl.forward(A, P), False),
    ("!= works", lambda: _fresh() != infonce.forward(A, P, temperature=0.25), True),
    ("meta arrays of other shapes", lambda: Steps("t", {"w": np.ones(2)}) == Steps("t", {"w": np.ones(3)}), False),
    ("meta array vs number", lambda: Steps("t", {"w": np.ones(2)}) == Steps("t", {"w": 1.0}), False),
    ("meta nan", lambda: Steps("t", {"w": math.nan}) == Steps("t", {"w": math.nan}), None),
    ("steps of other shapes", lambda: Steps("t")._with_meta() == Steps("t"), True),
    ("deepcopy equal", lambda: copy.deepcopy(_fresh()) == _fresh(), True),
    ("pickle round trip equal", lambda: pickle.loads(pickle.dumps(_fresh())) == _fresh(), True),
]


@pytest.mark.parametrize("compare, expected", [pytest.param(c, e, id=i) for i, c, e in EQ_CASES])
def test_steps_equality_never_raises(compare, expected):
    got = compare()
    assert isinstance(got, bool)
    if expected is not None:
        assert got is expected


def test_steps_with_different_shaped_steps_are_unequal():
    a, b = Steps("t"), Steps("t")
    a.add("x", np.ones(2), "")
    b.add("x", np.ones((2, 1)), "")
    assert (a == b) is False


def test_steps_are_not_hashable_but_say_so():
    with pytest.raises(TypeError):
        hash(_fresh())


def test_uses_and_formula_agree_on_every_step():
    s = finetune.head_step(Xa, Xp, Wu, Wd, lr=0.5, after=True)
    names = list(s)
    for name in names:
        uses = s.uses(name)
        step = s.step(name)
        if step.given or not step.formula:
            assert uses == ()
            continue
        assert s.formula(name).uses == uses
        earlier = set(names[:names.index(name)]) | set(s.meta)
        assert set(uses) <= earlier, (name, set(uses) - earlier)


# == the command: in-process and in a subprocess =====================================

NAMES = ("decode", "embed", "infonce", "mrl", "finetune", "head")


def run_cli(*argv, seconds: float = 60):
    """``aibyhand ARGV`` in-process: (exit code, stdout, stderr with any warnings).
    A traceback, a hang or running out of memory comes back as exit code "crash"."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with redirect_stdout(out), redirect_stderr(err):
            try:
                with bounded(seconds):
                    code = main([str(a) for a in argv])
            except SystemExit as e:
                code = e.code
            except BaseException:  # noqa: BLE001  a crash is what we report
                code = "crash"
                err.write(traceback.format_exc())
    text = err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
    return code, out.getvalue(), text


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_sub(command, cwd, seconds: float = SUBPROCESS_SECONDS) -> tuple:
    """A command line (a list: ``python -m aibyhand ...``; a string: a bash -o pipefail
    line where ``AIBYHAND`` is that command), ``seconds`` and 2 GB of address space."""
    me = f"{sys.executable} -m aibyhand"
    if isinstance(command, str):
        args = ["bash", "-o", "pipefail", "-c", command.replace("AIBYHAND", me)]
    else:
        args = [sys.executable, "-m", "aibyhand", *map(str, command)]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          text=True, errors="replace", preexec_fn=_limit, cwd=cwd,
                          start_new_session=True) as p:
        try:
            out, err = p.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)     # the case's own process group, and only it
            p.communicate()
            return "hung", "", f"still running after {seconds} s"
    return p.returncode, out, err


def assert_outcome(got, codes, needles=(), forbid=()):
    """Exit code in ``codes``; no traceback; an error (2) is one stderr line naming
    ``needles``; a success or a wrong-answers exit (0, 1) prints nothing on stderr."""
    code, out, err = got
    codes = {codes} if isinstance(codes, int) else set(codes)
    assert "Traceback" not in err, f"a traceback (exit {code}):\n{err[-3000:]}"
    assert code in codes, f"exit {code}, expected {sorted(codes)}; stderr: {err[-1500:]!r}"
    if code == 2:
        lines = err.strip("\n").splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {err[-1500:]!r}"
        for n in needles:
            assert str(n) in lines[0], f"{n!r} not named in {lines[0]!r}"
        for n in forbid:
            assert str(n) not in lines[0], f"{n!r} should not be in {lines[0]!r}"
        assert len(lines[0]) < 600, f"an error line of {len(lines[0])} characters"
    else:
        assert err == "", f"exit {code} with something on stderr: {err[-1500:]!r}"


# -- files every command case starts from --------------------------------------------

class Raw(str):
    """TOML text written as it is (``1e999``, ``nan``, a date)."""


DELETE = object()


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _value(v) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if v != v else "inf" if v == math.inf else "-inf" if v == -math.inf else repr(v)
    if isinstance(v, str):
        return json.dumps(v)    # JSON's escapes are TOML's (\", \\, \n, \uXXXX)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def dump(data: dict) -> str:
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{_key(k)}]"] + [f"{_key(kk)} = {_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def changed(data: dict, changes: dict) -> dict:
    """A copy with ``changes``: ``"model.Wq"`` addresses a table's key, ``("S", 0, 1)``
    one cell of a matrix, ``DELETE`` removes a key."""
    data = copy.deepcopy(data)
    for key, value in changes.items():
        if isinstance(key, tuple):
            name, r, c = key
            data[name][r][c] = value
            continue
        *tables, last = key.split(".")
        into = data
        for t in tables:
            into = into.setdefault(t, {})
        if value is DELETE:
            del into[last]
        else:
            into[last] = value
    return data


class Files:
    """Each worksheet's numbers saved by ``show --save``, its blank answers template and
    its key (``sheet --key``), and a folder for the cases' own files."""

    def __init__(self, root: Path):
        self.root = root
        self.n = 0
        for sub in ("data", "template", "key", "case"):
            (root / sub).mkdir()

    def make(self):
        for name in NAMES:
            for argv in (["show", name, "--save", self.data_path(name)],
                         ["sheet", name, "--answers-template", "-o", self.root / "template" / f"{name}.toml"],
                         ["sheet", name, "--key", "-o", self.key_path(name)]):
                code, _, err = run_cli(*argv)
                assert code == 0, (argv, err)
        return self

    def data_path(self, name):
        return self.root / "data" / f"{name}.toml"

    def key_path(self, name):
        return self.root / "key" / f"{name}.toml"

    def data(self, name) -> dict:
        return tomllib.loads(self.data_path(name).read_text())

    def key(self, name) -> dict:
        return tomllib.loads(self.key_path(name).read_text())

    def new(self, suffix=".toml", stem="case") -> Path:
        self.n += 1
        return self.root / "case" / f"{stem}{self.n}{suffix}"

    def text(self, text: str, suffix=".toml", stem="case") -> Path:
        p = self.new(suffix, stem)
        p.write_text(text)
        return p

    def raw(self, data: bytes, suffix=".toml", stem="case") -> Path:
        p = self.new(suffix, stem)
        p.write_bytes(data)
        return p

    def data_with(self, name, changes) -> Path:
        return self.text(dump(changed(self.data(name), changes)), stem=f"{name}-data")

    def answers_with(self, name, changes) -> Path:
        return self.text(dump(changed(self.key(name), changes)), stem=f"{name}-answers")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return Files(tmp_path_factory.mktemp("hostile")).make()


def _matrix(rows, cols, seed=0):
    g = np.random.default_rng(seed)
    return g.integers(-3, 4, size=(rows, cols)).tolist()


def _with_nonzero_columns(m):
    m = [list(r) for r in m]
    for j in range(len(m[0])):
        m[0][j] = m[0][j] or 1
    return m


# == (c) the command line, in-process ================================================

def _wrong(f):
    """The InfoNCE key with one box wrong."""
    return f.answers_with("infonce", {"loss": "7"})


def _not_a_folder(f):
    return f.key_path("infonce") / "x.toml"


def _folder_named(f, name):
    p = f.root / "case" / name
    p.mkdir(exist_ok=True)
    return p


def _without_worksheet_key(f):
    return f.text(dump({k: v for k, v in f.key("infonce").items() if k != "worksheet"}))


CLI_CASES = [
    ("no command", lambda f: ([], 2, ["COMMAND"])),
    ("unknown command", lambda f: (["frobnicate"], 2, ["frobnicate"])),
    ("list with an extra argument", lambda f: (["list", "extra"], 2, ["extra"])),
    ("show without a name", lambda f: (["show"], 2, ["NAME"])),
    ("show unknown worksheet", lambda f: (["show", "nope"], 2, ["nope"])),
    ("show empty name", lambda f: (["show", ""], 2, ["NAME"])),
    ("show upper-case name", lambda f: (["show", "INFONCE"], 2, ["INFONCE"])),
    ("show unknown option", lambda f: (["show", "infonce", "--colour"], 2, ["--colour"])),
    ("seed -1", lambda f: (["show", "infonce", "--seed", "-1"], 2, ["--seed"])),
    ("seed 1.5", lambda f: (["show", "infonce", "--seed", "1.5"], 2, ["--seed"])),
    ("seed abc", lambda f: (["show", "infonce", "--seed", "abc"], 2, ["--seed"])),
    ("seed empty", lambda f: (["show", "infonce", "--seed", ""], 2, ["--seed"])),
    ("seed 0", lambda f: (["show", "infonce", "--seed", "0", "--step", "loss"], 0, [])),
    ("seed 999999999", lambda f: (["show", "mrl", "--seed", "999999999", "--step", "loss"], 0, [])),
    ("sheet template seed -5", lambda f: (["sheet", "mrl", "--seed", "-5", "--answers-template"], 2, ["--seed"])),
    ("decimals -1", lambda f: (["show", "infonce", "--decimals", "-1"], 2, ["--decimals"])),
    ("decimals 18", lambda f: (["show", "infonce", "--decimals", "18"], 2, ["--decimals"])),
    ("decimals 10^30", lambda f: (["show", "infonce", "--decimals", str(10 ** 30)], 2, ["--decimals"])),
    ("decimals x", lambda f: (["show", "infonce", "--decimals", "x"], 2, ["--decimals"])),
    ("decimals 0", lambda f: (["show", "infonce", "--decimals", "0"], 0, [])),
    ("decimals 17", lambda f: (["show", "head", "--decimals", "17"], 0, [])),
    ("step unknown", lambda f: (["show", "infonce", "--step", "nope"], 2, ["nope"])),
    ("step empty", lambda f: (["show", "infonce", "--step", ""], 2, [])),
    ("step a whole level", lambda f: (["show", "mrl", "--step", "m=4"], 0, [])),
    ("data missing", lambda f: (["show", "infonce", "--data", f.root / "missing.toml"], 2, ["missing.toml"])),
    ("data a folder", lambda f: (["show", "infonce", "--data", f.root / "case"], 2, ["case"])),
    ("data inside a file", lambda f: (["show", "infonce", "--data", _not_a_folder(f)], 2, ["x.toml"])),
    ("data and seed", lambda f: (["show", "infonce", "--data", f.data_path("infonce"), "--seed", "3"], 2, ["--data"])),
    ("data empty file", lambda f: (["show", "infonce", "--data", f.text("")], 2, [".toml", "missing key"])),
    ("data /dev/null", lambda f: (["show", "infonce", "--data", "/dev/null"], 2, ["/dev/null"])),
    ("data binary", lambda f: (["show", "infonce", "--data", f.raw(bytes(range(256)) * 4, stem="binary")], 2, ["binary"])),
    ("data Latin-1", lambda f: (["show", "infonce", "--data", f.raw("A = 'caf\xe9'\n".encode("latin-1"), stem="latin")], 2, ["latin"])),
    ("data another worksheet's file", lambda f: (["show", "infonce", "--data", f.data_path("mrl")], 2, ["mrl.toml", "dims"])),
    ("save over an existing file", lambda f: (["show", "infonce", "--save", f.data_path("infonce")], 2, ["--save"])),
    ("save to a missing folder", lambda f: (["show", "infonce", "--save", f.root / "no" / "x.toml"], 2, ["x.toml"])),
    ("save to a folder", lambda f: (["show", "infonce", "--save", f.root / "case"], 2, ["case"])),
    ("save inside a file", lambda f: (["show", "infonce", "--save", _not_a_folder(f)], 2, ["x.toml"])),
    ("sheet without -o", lambda f: (["sheet", "infonce"], 2, ["-o"])),
    ("sheet -o .docx", lambda f: (["sheet", "infonce", "-o", f.new(".docx")], 2, [".docx"])),
    ("sheet -o without a suffix", lambda f: (["sheet", "infonce", "-o", f.new("")], 2, ["-o"])),
    ("sheet -o in a missing folder", lambda f: (["sheet", "infonce", "-o", f.root / "no" / "x.html"], 2, ["x.html"])),
    ("sheet -o a folder named .html", lambda f: (["sheet", "infonce", "-o", _folder_named(f, "dir.html")], 2, ["dir.html"])),
    ("sheet --key -o .html", lambda f: (["sheet", "infonce", "--key", "-o", f.new(".html")], 2, ["--key"])),
    ("sheet -o .toml without --key", lambda f: (["sheet", "infonce", "-o", f.new(".toml")], 2, ["--key"])),
    ("sheet --key -o inside a file", lambda f: (["sheet", "infonce", "--key", "-o", _not_a_folder(f)], 2, ["x.toml"])),
    ("template -o .pdf", lambda f: (["sheet", "infonce", "--answers-template", "-o", f.new(".pdf")], 2, ["-o"])),
    ("template -o an existing file", lambda f: (["sheet", "infonce", "--answers-template", "-o", f.key_path("infonce")], 2, ["-o"])),
    ("template to stdout", lambda f: (["sheet", "decode", "--answers-template"], 0, [])),
    ("check without answers", lambda f: (["check", "infonce"], 2, ["ANSWERS"])),
    ("check unknown worksheet", lambda f: (["check", "nope", f.key_path("infonce")], 2, ["nope"])),
    ("check unknown worksheet, no worksheet key", lambda f: (["check", "nope", _without_worksheet_key(f)], 2, ["nope"])),
    ("check another worksheet's answers", lambda f: (["check", "mrl", f.key_path("infonce")], 2, ["infonce.toml", "infonce"])),
    ("check the key", lambda f: (["check", "infonce", f.key_path("infonce")], 0, [])),
    ("check the decode key", lambda f: (["check", "decode", f.key_path("decode")], 0, [])),
    ("check wrong answers", lambda f: (["check", "infonce", _wrong(f)], 1, [])),
    ("check wrong answers --json --reveal", lambda f: (["check", "infonce", _wrong(f), "--json", "--reveal"], 1, [])),
    ("check a class with a missing file", lambda f: (["check", "infonce", f.key_path("infonce"), f.root / "gone.toml"], 2, ["gone.toml"])),
    ("check a class with a bad file", lambda f: (["check", "infonce", f.key_path("infonce"), f.text("loss = [")], 2, [".toml"])),
    ("check a class, --plot in a missing folder", lambda f: (["check", "infonce", f.key_path("infonce"), _wrong(f), "--plot", f.root / "no" / "x.png"], 2, ["x.png"])),
    ("check a class, --plot .txt", lambda f: (["check", "infonce", f.key_path("infonce"), _wrong(f), "--plot", f.new(".txt", stem="plot")], 2, ["plot"])),
    ("check --data missing", lambda f: (["check", "infonce", f.key_path("infonce"), "--data", f.root / "nodata.toml"], 2, ["nodata.toml"])),
    ("check answers a folder", lambda f: (["check", "infonce", f.root / "case"], 2, ["case"])),
    ("check answers inside a file", lambda f: (["check", "infonce", _not_a_folder(f)], 2, ["x.toml"])),
    ("check answers missing", lambda f: (["check", "infonce", f.root / "nothing.toml"], 2, ["nothing.toml"])),
    ("check answers '-'", lambda f: (["check", "infonce", "-"], 2, ["-"])),
    ("sheet -o a folder with a line break", lambda f: (["sheet", "infonce", "-o", f.root / "a\nb" / "x.pdf"], 2, ["a\\nb"])),
    ("show --data an escape sequence", lambda f: (["show", "infonce", "--data", "\x1b[2J.toml"], 2, ["\\x1b[2J.toml"], ["\x1b"])),
    ("check a tab in the name", lambda f: (["check", "infonce", "x\ty.toml"], 2, ["x\\ty.toml"])),
    ("show --data a name that is not UTF-8", lambda f: (["show", "infonce", "--data", "\udcff.toml"], 2, ["\\udcff.toml"])),
    ("sheet -o a name that is not UTF-8 works", lambda f: (["sheet", "infonce", "-o", f.root / "case" / "\udcff.html"], 0, [])),
    ("decode a 100 KB word", lambda f: (["show", "decode", "--data", f.data_with("decode", {"sentence": "w" * 100_000})], 2, ["sentence", "unknown word"])),
    ("bench unknown option", lambda f: (["bench", "--bogus"], 2, ["--bogus"])),
    ("bench --repeats 5", lambda f: (["bench", "--repeats", "5"], 2, ["--repeats"])),
    ("bench --repeats x", lambda f: (["bench", "--repeats", "x"], 2, ["--repeats"])),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=i) for i, c in CLI_CASES])
def test_cli(files, case):
    argv, codes, needles, *forbid = case(files)
    assert_outcome(run_cli(*argv), codes, needles, *forbid)


def test_cli_json_is_one_list_even_for_wrong_answers(files):
    code, out, err = run_cli("check", "infonce", _wrong(files), "--json")
    assert (code, err) == (1, "")
    [report] = json.loads(out)
    assert report["wrong"] and report["first_wrong"] == report["wrong"][0]


def test_cli_unreadable_file(files, monkeypatch):
    p = files.text("loss = 1\n")
    if os.geteuid() == 0:  # root reads a mode-0 file: make the read fail as it would for a user
        import builtins

        real_open = builtins.open

        def refusing_open(path, *args, **kwargs):
            if os.fspath(path) == os.fspath(p):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", refusing_open)
    p.chmod(0)
    try:
        assert_outcome(run_cli("check", "infonce", p), 2, [p.name, "Permission denied"])
    finally:
        p.chmod(0o600)


def test_cli_a_huge_seed_is_refused_or_its_template_checks(files):
    """``--seed`` takes what ``check`` takes: a template made for a seed checks."""
    seed = str(10 ** 22)
    out = files.new()
    code, _, err = run_cli("sheet", "mrl", "--seed", seed, "--answers-template", "-o", out)
    if code == 2:
        assert_outcome((code, "", err), 2, ["--seed"])
        return
    assert code == 0, err
    assert_outcome(run_cli("check", "mrl", out), 0, [])


def test_cli_a_key_it_wrote_it_can_read(files):
    """The largest sheet a data file may hold (64 x 64): its key checks, or the sheet is
    refused in one line."""
    m = _with_nonzero_columns(_matrix(64, 64, 1))
    data = files.data_with("infonce", {"A": m, "P": _with_nonzero_columns(_matrix(64, 64, 2))})
    key = files.new()
    code, _, err = run_cli("sheet", "infonce", "--data", data, "--key", "-o", key)
    if code == 2:
        assert_outcome((code, "", err), 2, [data.name])
        return
    assert code == 0, err
    assert_outcome(run_cli("check", "infonce", key, "--data", data), 0, [])


@pytest.mark.parametrize("name", NAMES)
def test_cli_save_round_trips(files, name):
    """``show --save`` writes numbers that ``show --data`` reads back as the same sheet."""
    code, default, err = run_cli("show", name)
    assert (code, err) == (0, "")
    code, again, err = run_cli("show", name, "--data", files.data_path(name))
    assert (code, err) == (0, "")
    strip = lambda text: re.sub(r"\(.*?\)", "", text)  # noqa: E731  the source in headers
    assert strip(again) == strip(default)


# == (d) answers files ===============================================================

def _not_asked(f):
    """An answers file writing a number where the sheet asks nothing ("-")."""
    for name in NAMES:
        key = f.key(name)
        for k, v in key.items():
            if isinstance(v, list):
                for r, row in enumerate(v):
                    for c, cell in enumerate(row if isinstance(row, list) else []):
                        if cell == "-":
                            return name, f.answers_with(name, {(k, r, c): "1"})
    pytest.fail("no sheet has a cell it does not ask: this case tests nothing; choose another")


def _answers(changes, name="infonce"):
    """Exit 2, one line naming the file and the box (and no flag the user never gave)."""
    return lambda f: (["check", name, f.answers_with(name, changes)], 2, [f"{name}-answers", _box(changes)],
                      ["--seed", "--data"])


def _unreadable(changes, name="infonce"):
    """A box that cannot be read: marked so, the rest of the file checked, exit 1."""
    return lambda f: (["check", name, f.answers_with(name, changes)], 1, [])


def _answers_code(changes, codes, name="infonce"):
    return lambda f: (["check", name, f.answers_with(name, changes)], codes, [f"{name}-answers"])


def _box(changes) -> str:
    key = next(iter(changes))
    return key[0] if isinstance(key, tuple) else key


def _key_text(f, name="infonce") -> str:
    return f.key_path(name).read_text()


ANSWERS_CASES = [
    # one bad cell at a time; the error names the file and the box
    ("'1e999'", _unreadable({"loss": "1e999"})),
    ("bare 1e999 (inf)", _unreadable({"loss": Raw("1e999")})),
    ("bare -1e999", _unreadable({"loss": Raw("-1e999")})),
    ("'1e5': no exponents", _unreadable({"loss": "1e5"})),
    ("'1/0'", _unreadable({"loss": "1/0"})),
    ("'0/0'", _unreadable({"loss": "0/0"})),
    ("'1/0.0'", _unreadable({"loss": "1/0.0"})),
    ("'0.5/0.25' decimal fraction", lambda f: (["check", "infonce", f.answers_with("infonce", {"loss": "0.5/0.25"})],
                                               {1, 2}, ["infonce-answers", "loss"])),
    ("'1/3/5'", _unreadable({"loss": "1/3/5"})),
    ("'nan'", _unreadable({"loss": "nan"})),
    ("bare nan", _unreadable({"loss": Raw("nan")})),
    ("bare inf", _unreadable({"loss": Raw("inf")})),
    ("'inf' is a wrong number", _answers_code({"loss": "inf"}, {1, 2})),
    ("true", _unreadable({"loss": True})),
    ("a date", _unreadable({"loss": Raw("1979-05-27")})),
    ("an inline table", _unreadable({"loss": {}})),
    ("'0x10'", _unreadable({"loss": "0x10"})),
    ("'1_000'", _unreadable({"loss": "1_000"})),
    ("a 100000-character string", _unreadable({"loss": "7" * 100000})),
    ("a 13-digit number", _unreadable({"loss": 10 ** 13})),
    ("'1e-400'", _unreadable({"loss": "1e-400"})),
    ("a 40-digit decimal string", _unreadable({"loss": "0." + "1" * 40})),
    ("full-width digits", _answers_code({"loss": "\uff17"}, {1, 2})),
    ("'3/13' is wrong", _answers_code({"loss": "3/13"}, 1)),
    ("a spaced fraction", _answers_code({"loss": " 3 / 13 "}, 1)),
    ("bare 1_000", _answers_code({"loss": Raw("1_000")}, 1)),
    ("'+7'", _answers_code({"loss": "+7"}, 1)),
    ("'.5'", _answers_code({"loss": ".5"}, 1)),
    ("'5.'", _answers_code({"loss": "5."}, 1)),
    ("'-' in a box", _unreadable({"loss": "-"})),
    ("'' is not done", _answers_code({"loss": ""}, 0)),
    # shapes
    ("a number for a matrix", _answers({"S": "0.5"})),
    ("an empty list", _answers({"S": []})),
    ("two rows of three", _answers({"S": [["", "", ""], ["", "", ""]]})),
    ("ragged rows", _answers({"S": [["", "", ""], ["", ""], ["", "", ""]]})),
    ("a row of four", _answers({"S": [["", "", "", ""], ["", "", ""], ["", "", ""]]})),
    ("nested too deep for the box", _answers({"S": [[[[""]]], ["", "", ""], ["", "", ""]]})),
    ("nine cells flat", _answers({"S": [""] * 9})),
    ("a list for a single box", _answers({"loss": ["", ""]})),
    ("a table for a matrix", _answers({"S": {"a": 1}})),
    ("a number where the sheet asks nothing", lambda f: (lambda nf: (["check", nf[0], nf[1]], 2, [f"{nf[0]}-answers", "-"]))(_not_asked(f))),
    # keys, worksheet and seed
    ("an unknown key", _answers({"Q": "1"})),
    ("an unknown key with a newline", lambda f: (["check", "infonce", f.answers_with("infonce", {"a\nb": "1"})],
                                                 2, ["infonce-answers", "a\\nb"])),
    ("worksheet mrl", _answers({"worksheet": "mrl"})),
    ("worksheet 5", _answers({"worksheet": 5})),
    ("worksheet ''", _answers({"worksheet": ""})),
    ("seed -1", _answers({"seed": -1})),
    ("seed 1.5", _answers({"seed": 1.5})),
    ("seed '3'", _answers({"seed": "3"})),
    ("seed true", _answers({"seed": True})),
    ("seed 10^30", _answers({"seed": 10 ** 30})),
    ("seed 3 with --seed 4", lambda f: (["check", "infonce", f.answers_with("infonce", {"seed": 3}), "--seed", "4"],
                                        2, ["infonce-answers", "3", "4"])),
    ("seed 3 with --data", lambda f: (["check", "infonce", f.answers_with("infonce", {"seed": 3}), "--data", f.data_path("infonce")],
                                      2, ["infonce-answers", "seed"])),
    ("seed 3 in the file, no flag: checked for seed 3", _answers_code({"seed": 3}, 1)),
    ("a word box: an unknown word", _unreadable({"lesson / next": "cow"}, name="decode")),
    ("a word box: capitalised is the same word", _answers_code({"lesson / next": "The"}, 1, name="decode")),
    ("a word box: a number id", _answers_code({"lesson / next": 0}, {0, 1}, name="decode")),
    ("an MRL box with a slip", _answers_code({("m=2 / S", 0, 0): "9/10"}, 1, name="mrl")),
    # the file as a whole
    ("TOML error without a fraction: no fraction hint", lambda f: (["check", "infonce", f.text("loss = [1, 2\n")], 2, [".toml"], ["fraction"])),
    ("TOML error with a bare fraction: the hint", lambda f: (["check", "infonce", f.text("loss = 3/13\n")], 2, [".toml", "quotes"])),
    ("a fraction in a comment does not hint", lambda f: (["check", "infonce", f.text("# loss = 3/13\nloss = [\n")], 2, [".toml"], ["fraction"])),
    ("the key with CRLF line ends", lambda f: (["check", "infonce", f.raw(_key_text(f).replace("\n", "\r\n").encode())], 0, [])),
    ("a UTF-8 byte order mark", lambda f: (["check", "infonce", f.raw(b"\xef\xbb\xbf" + _key_text(f).encode())], {0, 2}, [".toml"])),
    ("UTF-16", lambda f: (["check", "infonce", f.raw(_key_text(f).encode("utf-16"))], 2, [".toml"])),
    ("Latin-1", lambda f: (["check", "infonce", f.raw('loss = "caf\xe9"\n'.encode("latin-1"))], 2, [".toml"])),
    ("a NUL byte", lambda f: (["check", "infonce", f.raw(b'loss = "\x00"\n')], 2, [".toml"])),
    ("a duplicate key", lambda f: (["check", "infonce", f.text('loss = "1"\nloss = "2"\n')], 2, [".toml"])),
    ("300 KB of comments", lambda f: (["check", "infonce", f.text(("# " + "x" * 98 + "\n") * 3000 + 'loss = ""\n')], 2, [".toml"])),
    ("nested 9 deep", lambda f: (["check", "infonce", f.text("S = " + "[" * 9 + "]" * 9 + "\n")], 2, [".toml"])),
    ("brackets inside a string are not nesting", lambda f: (["check", "infonce", f.text('loss = "[[[[[[[[[[1"\n')], 1, [])),
    ("an escaped quote before brackets", lambda f: (["check", "infonce", f.text('loss = "\\"[[[[[[[[[["\n')], 1, [])),
    ("an empty file is nothing done", lambda f: (["check", "infonce", f.text("")], 0, [])),
    ("only comments is nothing done", lambda f: (["check", "infonce", f.text("# nothing yet\n")], 0, [])),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=i) for i, c in ANSWERS_CASES])
def test_answers_file(files, case):
    argv, codes, needles, *forbid = case(files)
    got = run_cli(*argv)
    assert_outcome(got, codes, needles, *forbid)
    if got[0] == 1:
        assert "--seed" not in got[1], "a flag the user never gave is named"


# == (e) worksheet data files for --data ==============================================

def _data(name, changes, codes=2, needles=None):
    def case(f):
        path = f.data_with(name, changes)
        named = [path.name] + ([_box(changes).split(".")[-1]] if needles is None else list(needles))
        return ["show", name, "--data", path], codes, named if codes != 0 else []
    return case


WIDE = _with_nonzero_columns(_matrix(64, 64, 3))

DATA_CASES = [
    # InfoNCE, one key at a time
    ("temperature 1e-310", _data("infonce", {"temperature": 1e-310})),
    ("temperature 5e-324", _data("infonce", {"temperature": 5e-324})),
    ("temperature 0", _data("infonce", {"temperature": 0})),
    ("temperature -1", _data("infonce", {"temperature": -1})),
    ("temperature '0.5'", _data("infonce", {"temperature": "0.5"})),
    ("temperature true", _data("infonce", {"temperature": True})),
    ("temperature nan", _data("infonce", {"temperature": math.nan})),
    ("temperature inf", _data("infonce", {"temperature": math.inf})),
    ("temperature [0.5]", _data("infonce", {"temperature": [0.5]})),
    ("temperature 1e13", _data("infonce", {"temperature": 1e13})),
    ("temperature 5000 digits", _data("infonce", {"temperature": Raw("9" * 5000)}, needles=[])),
    ("temperature 1e12 works", _data("infonce", {"temperature": 1e12}, 0)),
    ("base 1", _data("infonce", {"base": 1})),
    ("base 'e'", _data("infonce", {"base": "e"})),
    ("base 1+2^-52 works", _data("infonce", {"base": 1.0000000000000002}, 0)),
    ("A ragged", _data("infonce", {"A": [[1, 2, 3], [1, 2]]})),
    ("A []", _data("infonce", {"A": []})),
    ("A [[]]", _data("infonce", {"A": [[]]})),
    ("A 65 columns", _data("infonce", {"A": _matrix(4, 65), "P": _matrix(4, 65)})),
    ("A strings", _data("infonce", {"A": [["1", "2", "3"]] * 4})),
    ("A 1e13", _data("infonce", {("A", 0, 0): 1e13})),
    ("A nan", _data("infonce", {("A", 0, 0): math.nan})),
    ("A -inf", _data("infonce", {("A", 1, 1): -math.inf})),
    ("A true", _data("infonce", {("A", 0, 0): True})),
    ("A zero column", _data("infonce", {"A": [[1, 0, 1]] * 4})),
    ("A 3-D", _data("infonce", {"A": [[[1]]]})),
    ("A a number", _data("infonce", {"A": 5})),
    ("A a string", _data("infonce", {"A": "x"})),
    ("P shape differs", _data("infonce", {"P": _matrix(4, 2)})),
    ("P missing", _data("infonce", {"P": DELETE})),
    ("an unknown key", _data("infonce", {"Q": 1})),
    ("an unknown table", _data("infonce", {"extra": {"y": 1}})),
    ("64 x 64 works", _data("infonce", {"A": WIDE, "P": WIDE}, 0)),
    # MRL: widths and weights
    ("dims [1e300, 4, 2]", _data("mrl", {"dims": [1e300, 4, 2]})),
    ("dims [8.9, 4.7, 2.9]", _data("mrl", {"dims": [8.9, 4.7, 2.9]})),
    ("dims [8.0, 4, 2] works", _data("mrl", {"dims": [8.0, 4, 2]}, 0)),
    ("dims []", _data("mrl", {"dims": []})),
    ("dims [8, 8, 2]", _data("mrl", {"dims": [8, 8, 2]})),
    ("dims [9, 4, 2]", _data("mrl", {"dims": [9, 4, 2]})),
    ("dims [0, 4, 2]", _data("mrl", {"dims": [0, 4, 2]})),
    ("dims '842'", _data("mrl", {"dims": "842"})),
    ("dims [true, 4, 2]", _data("mrl", {"dims": [True, 4, 2]})),
    ("dims 8", _data("mrl", {"dims": 8})),
    ("weights [1, 1]", _data("mrl", {"weights": [1, 1]})),
    ("weights [-1, 1, 1]", _data("mrl", {"weights": [-1, 1, 1]})),
    ("weights strings", _data("mrl", {"weights": ["1", "1", "1"]})),
    ("weights 1e12 works", _data("mrl", {"weights": [1e12, 1e12, 1e12]}, 0)),
    ("mrl temperature 1e-310", _data("mrl", {"temperature": 1e-310})),
    # Decode: words, counts, the model table
    ("sentence 'the cow'", _data("decode", {"sentence": "the cow"})),
    ("sentence ''", _data("decode", {"sentence": ""})),
    ("sentence of 7 words", _data("decode", {"sentence": "the cat sat on the mat park"})),
    ("sentence 7", _data("decode", {"sentence": 7})),
    ("sentence ['the']", _data("decode", {"sentence": ["the"]})),
    ("sentence with quotes", _data("decode", {"sentence": 'the "cat"'})),
    ("generate 0", _data("decode", {"generate": 0})),
    ("generate -1", _data("decode", {"generate": -1})),
    ("generate 2.5", _data("decode", {"generate": 2.5})),
    ("generate true", _data("decode", {"generate": True})),
    ("generate 1e12 stops at the model's length", _data("decode", {"generate": 10 ** 12}, 0)),
    ("decode temperature 1e-310", _data("decode", {"temperature": 1e-310})),
    ("model.Etok 7 columns", _data("decode", {"model.Etok": _matrix(4, 7)})),
    ("model.W1 missing", _data("decode", {"model.W1": DELETE})),
    ("model.Wq 3 x 4", _data("decode", {"model.Wq": _matrix(3, 4)}, needles=["Wk"])),
    ("model.Wo unknown", _data("decode", {"model.Wo": _matrix(4, 4)})),
    ("model a number", _data("decode", {"model": 5}, needles=["model"])),
    ("model.Wq, Wk at 1e12", _data("decode", {"model.Wq": [[1e12] * 4] * 4, "model.Wk": [[1e12] * 4] * 4}, {0, 2}, needles=[])),
    # Embed, fine-tune, head
    ("pooling 'max'", _data("embed", {"pooling": "max"})),
    ("pooling 5", _data("embed", {"pooling": 5})),
    ("embed W_down zero", _data("embed", {"model.W_down": [[0] * 16] * 8}, needles=[])),
    ("embed sentence ''", _data("embed", {"sentence": ""})),
    ("lr 0", _data("finetune", {"lr": 0})),
    # the training keys the notebook reads, which the sheet itself does not use
    ("train_steps -5", _data("finetune", {"train_steps": -5}, needles=["train_steps", "0 to 100,000", "-5"])),
    ("train_steps 10^6", _data("finetune", {"train_steps": 10 ** 6}, needles=["train_steps", "100,000"])),
    ("train_steps 2.5", _data("finetune", {"train_steps": 2.5})),
    ("train_steps '40'", _data("finetune", {"train_steps": "40"})),
    ("train_steps 0 works", _data("finetune", {"train_steps": 0}, 0)),
    ("train_lr 0", _data("finetune", {"train_lr": 0}, needles=["train_lr", "> 0"])),
    ("train_lr -0.2", _data("finetune", {"train_lr": -0.2})),
    ("train_lr nan", _data("finetune", {"train_lr": math.nan})),
    ("anchors an unknown word", _data("finetune", {"anchors": ["dog flew", "on the mat", "dog ran on", "sat on the mat"]},
                                      needles=["anchors[0]", "flew"])),
    ("positives one short", _data("finetune", {"positives": ["the dog ran", "sat on mat", "cat on mat"]}, needles=["positives"])),
    ("anchors longer than Pos", _data("finetune", {"anchors": ["the cat sat on the mat", "on the mat", "dog ran on", "sat on the mat"]},
                                      needles=["anchors[0]", "6 words"])),
    ("anchors empty", _data("finetune", {"anchors": [], "positives": []}, needles=["anchors"])),
    ("finetune model.Etok 7 columns", _data("finetune", {"model.Etok": _matrix(4, 7)}, needles=["Etok"])),
    ("finetune model.W_up 5 columns", _data("finetune", {"model.W_up": _matrix(16, 5)}, needles=["W_up"])),
    ("finetune model.W_down 3 columns", _data("finetune", {"model.W_down": _matrix(8, 3)}, needles=["W_down"])),
    ("temperature 0 at the file", _data("infonce", {"temperature": 0}, needles=["temperature", "> 0"])),
    ("base 0.5 at the file", _data("mrl", {"base": 0.5}, needles=["base", "> 1"])),
    ("generate 0 at the file", _data("decode", {"generate": 0}, needles=["generate", ">= 1"])),
    ("lr -1", _data("finetune", {"lr": -1})),
    ("Xp shape", _data("finetune", {"Xp": _matrix(2, 3)})),
    ("finetune dims [5]", _data("finetune", {"dims": [5]})),
    ("anchors a string", _data("finetune", {"anchors": "cat sat"})),
    ("anchors 65", _data("finetune", {"anchors": ["cat sat"] * 65, "positives": ["the cat"] * 65})),
    ("finetune Xa zero", _data("finetune", {"Xa": [[0, 0], [0, 0]]}, needles=[])),
    ("T shape", _data("head", {"T": _matrix(4, 2)})),
    ("head dims [5]", _data("head", {"dims": [5]})),
    ("head X at 1e12", _data("head", {"X": [[1e12, 1e12], [1e12, -1e12]]}, {0, 2}, needles=[])),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=i) for i, c in DATA_CASES])
def test_data_file(files, case):
    argv, codes, needles = case(files)
    assert_outcome(run_cli(*argv), codes, needles)


TEXTS = ['say "hi"', "back\\slash", "line\nbreak", "tab\there", "caf\u00e9 \u2713 \U0001f431", "del\x7f",
         "'single'", '"""triple"""', '\\"[[[[[[[[[[', "# not a comment", "[not a table]", "a = 1", "",
         "\\u0041 stays as written"]


@pytest.mark.parametrize("text", TEXTS, ids=[repr(t)[1:-1][:24] for t in TEXTS])
def test_data_writer_round_trips_any_string(files, text):
    """What ``show --save`` writes reads back as itself, whatever the strings hold."""
    fields = {"sentence": Field("text"), "anchors": Field("texts"), "x": Field("number")}
    data = {"sentence": text, "anchors": [text, text + "!"], "x": 0.1}
    path = files.text(to_toml(data, "a header\nwith \"quotes\" and a second line"))
    with bounded():
        back = parse_fields(read_toml(path), fields, str(path))
    assert back == data


# -- the answers functions themselves (check.parse_value, written, check) --------------

_INFONCE = catalog.get("infonce")
_PAGES = len(_INFONCE.sheet.pages)
_INFONCE_STEPS = _INFONCE.steps()
WE = WorksheetError

ANSWERS_API_CASES = [
    ("parse_value a 5000-digit int", lambda: checker.parse_value(10 ** 5000, "w"), err(WE, "w")),
    ("parse_value -10^13", lambda: checker.parse_value(-(10 ** 13), "w"), err(WE, "w")),
    ("parse_value nan", lambda: checker.parse_value(math.nan, "w"), err(WE, "w")),
    ("parse_value 1e300", lambda: checker.parse_value(1e300, "w"), err(WE, "w")),
    ("parse_value None", lambda: checker.parse_value(None, "w"), err(WE, "w")),
    ("parse_value a list", lambda: checker.parse_value([1], "w"), err(WE, "w")),
    ("parse_value bytes", lambda: checker.parse_value(b"1", "w"), err(WE, "w")),
    ("parse_value a million characters", lambda: checker.parse_value("1" * 10 ** 6, "w"), err(WE, "w")),
    ("parse_value '1e999'", lambda: checker.parse_value("1e999", "w"), err(WE, "w")),
    ("parse_value '1/0'", lambda: checker.parse_value("1/0", "w"), err(WE, "w")),
    ("parse_value ' 3 / 13 '", lambda: checker.parse_value(" 3 / 13 ", "w"), ok(lambda r: r == 3 / 13)),
    ("parse_value '-0'", lambda: checker.parse_value("-0", "w"), ok(lambda r: r == 0)),
    ("parse_value a word", lambda: checker.parse_value("cat", "w", ("the", "cat")), ok(lambda r: r == 1)),
    ("written: a dict in a cell", lambda: checker.written(_INFONCE.sheet, _INFONCE_STEPS, {"loss": {"a": 1}}, "w"), err(WE, "w")),
    ("written: an int key", lambda: checker.written(_INFONCE.sheet, _INFONCE_STEPS, {1: "x"}, "w"), err(TE, "answers", says=["int 1"])),
    ("written: an object", lambda: checker.written(_INFONCE.sheet, _INFONCE_STEPS, {"S": object()}, "w"), err(WE, "w")),
    ("check: a wrong box is marked", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, {"loss": "7"}, where="w"),
     ok(lambda r: not r.ok and r.ids("wrong"))),
    # -- every public function of the checker checks its arguments first
    ("check: answers a number", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, 5), err(TE, "answers", says=["int 5"])),
    ("check: answers None", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, None), err(TE, "answers")),
    ("check: answers a bytes path", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, b"a.toml"), err(TE, "answers")),
    ("check: answers a list", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, [("loss", 1)]), err(TE, "answers")),
    ("check: sheet None", lambda: checker.check(None, _INFONCE_STEPS, {}), err(TE, "sheet")),
    ("check: sheet a worksheet", lambda: checker.check(_INFONCE, _INFONCE_STEPS, {}), err(TE, "sheet")),
    ("check: steps a dict", lambda: checker.check(_INFONCE.sheet, dict(_INFONCE_STEPS), {}), err(TE, "steps")),
    ("check: where a number", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, {}, where=3), err(TE, "where")),
    ("check: NumPy answers are read", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, {"S": np.array(_INFONCE_STEPS["S"]),
                                                                                     "loss": np.float64(_INFONCE_STEPS["loss"])}),
     ok(lambda r: r.counts()["right"] == 10 and r.counts()["wrong"] == 0)),
    ("check: a NumPy 0-d answer is read", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, {"loss": np.array(7.0)}),
     ok(lambda r: r.ids("wrong") and r.counts()["wrong"] == 1)),
    ("check: a NumPy answer of the wrong shape", lambda: checker.check(_INFONCE.sheet, _INFONCE_STEPS, {"S": np.zeros((2, 2))}, where="w"),
     err(WE, "w", says=["S", "3 rows of 3", "2 rows of 2"])),
    ("check: NumPy answers are not modified", lambda: (lambda S: (checker.check(_INFONCE.sheet, _INFONCE_STEPS, {"S": S}), S))(
        np.array(_INFONCE_STEPS["S"])), ok(lambda r: np.array_equal(r[1], _INFONCE_STEPS["S"]) and r[1].flags.writeable)),
    ("written: answers a list", lambda: checker.written(_INFONCE.sheet, _INFONCE_STEPS, [1], "w"), err(TE, "answers")),
    ("written: where None", lambda: checker.written(_INFONCE.sheet, _INFONCE_STEPS, {}, None), err(TE, "where")),
    ("mark: boxes a number", lambda: checker.mark(_INFONCE.sheet, _INFONCE_STEPS, 5), err(TE, "boxes")),
    ("read_answers a number", lambda: checker.read_answers(5), err(TE, "path", says=["int 5"])),
    ("read_answers ''", lambda: checker.read_answers(""), err(VE, "path")),
    ("honest decimals -1", lambda: checker.honest(_INFONCE.sheet, _INFONCE_STEPS, decimals=-1), err(VE, "decimals", says=["0 to 17"])),
    ("honest decimals 10^9", lambda: checker.honest(_INFONCE.sheet, _INFONCE_STEPS, decimals=10 ** 9), err(VE, "decimals")),
    ("honest decimals None", lambda: checker.honest(_INFONCE.sheet, _INFONCE_STEPS, decimals=None), err(TE, "decimals")),
    ("template seed -1", lambda: checker.template(_INFONCE.sheet, _INFONCE_STEPS, seed=-1), err(VE, "seed", says=["999,999,999"])),
    ("template seed 10^9", lambda: checker.template(_INFONCE.sheet, _INFONCE_STEPS, seed=10 ** 9), err(VE, "seed")),
    ("template worksheet 5", lambda: checker.template(_INFONCE.sheet, _INFONCE_STEPS, worksheet=5), err(TE, "worksheet")),
    ("template data 5", lambda: checker.template(_INFONCE.sheet, _INFONCE_STEPS, data=5), err(TE, "data")),
    ("parse_value where None", lambda: checker.parse_value("1", None), err(TE, "where")),
    ("parse_value words a string", lambda: checker.parse_value("1", "w", "cat"), err(TE, "words")),
    ("student_of answers a number", lambda: checker.student_of(5, "w"), err(TE, "answers")),
    ("student_of key 'name'", lambda: checker.student_of({}, "w", key="name"), err(VE, "key", says=["student, id"])),
    ("cell_value words None", lambda: checker.cell_value("1", None), err(TE, "words")),
    ("read: answers a number", lambda: checker.read(_INFONCE.sheet, _INFONCE_STEPS, 7, "w"), err(TE, "answers")),
    ("read: NumPy answers are read", lambda: checker.read(_INFONCE.sheet, _INFONCE_STEPS, {"S": np.array(_INFONCE_STEPS["S"])}, "w"),
     ok(lambda r: np.allclose(r.values["S"], _INFONCE_STEPS["S"]) and not r.unreadable)),
    ("mark: boxes from read work", lambda: checker.mark(_INFONCE.sheet, _INFONCE_STEPS, checker.read(_INFONCE.sheet, _INFONCE_STEPS, {"loss": "7"}, "w")),
     ok(lambda r: r.counts()["wrong"] == 1)),
]


def _embed_data(sentence):
    data = catalog.get("embed").load()
    data["sentence"] = sentence
    return data


def _sheet_pages(name, data):
    from aibyhand.classroom import sheet

    figs, _ = sheet.worksheet_pages(catalog.get(name), data)
    sheet.close(figs)
    return figs


def _page(name, data):
    from aibyhand.classroom import page

    return page.render(catalog.get(name), data)


_EMBED = catalog.get("embed")

WORKSHEET_API_CASES = [
    # -- a worksheet's numbers from Python: one sentence on the Embed sheet, every key there
    ("Embed sheet, two sentences", lambda: _EMBED.steps(_embed_data(["dog ran on", "the cat sat"])),
     err(TE, "sentence", says=["one sentence", "list"])),
    ("Embed sheet, two sentences, pages", lambda: _sheet_pages("embed", _embed_data(["the cat", "dog ran"])), err(TE, "sentence")),
    ("Embed sheet, two sentences, web page", lambda: _page("embed", _embed_data(["the cat", "dog ran"])), err(TE, "sentence")),
    ("Embed sheet, two sentences, check", lambda: checker.check(_EMBED.sheet, _EMBED.steps(_embed_data(["dog", "the cat sat"])), {}),
     err(TE, "sentence")),
    ("Embed sheet, bytes", lambda: _EMBED.steps(_embed_data(b"the cat")), err(TE, "sentence", says=["bytes"])),
    ("Embed sheet, one sentence works", lambda: _EMBED.steps(_embed_data("the cat")), ok(lambda s: s["E"].shape == (8, 1))),
    ("Decode sheet, two sentences", lambda: catalog.get("decode").steps({**catalog.get("decode").load(), "sentence": ["the", "cat"]}),
     err(TE, "sentence")),
    ("steps of a number", lambda: _EMBED.steps(5), err(TE, "data", says=["int 5"])),
    ("steps without a key", lambda: _EMBED.steps({k: v for k, v in _EMBED.load().items() if k != "pooling"}),
     err(VE, "data", says=["pooling"])),
    ("steps without model.W_up", lambda: _EMBED.steps({**_EMBED.load(), "model": {k: v for k, v in _EMBED.load()["model"].items() if k != "W_up"}}),
     err(VE, "data", says=["model.W_up"])),
    ("steps of the finetune sheet, model a number", lambda: catalog.get("finetune").steps({**catalog.get("finetune").load(), "model": 5}),
     err(VE, "data", says=["model.Etok"])),
    ("load seed -1", lambda: _EMBED.load(seed=-1), err(VE, "seed", says=["999,999,999", "-1"])),
    ("load seed 10^9", lambda: _EMBED.load(seed=10 ** 9), err(VE, "seed")),
    ("load seed 10^400", lambda: _EMBED.load(seed=10 ** 400), err(VE, "seed", says=["more than 40 digits"])),
    ("load seed '3'", lambda: _EMBED.load(seed="3"), err(TE, "seed")),
    ("load seed 3.0", lambda: _EMBED.load(seed=3.0), err(TE, "seed")),
    ("load seed True", lambda: _EMBED.load(seed=True), err(TE, "seed")),
    ("load seed np.int64 works", lambda: _EMBED.load(seed=np.int64(3)), ok(lambda d: np.array_equal(d["model"]["Etok"], _EMBED.load(seed=3)["model"]["Etok"]))),
    ("load path a number", lambda: _EMBED.load(path=5), err(TE, "path")),
    ("load path and seed", lambda: _EMBED.load(path=_EMBED.path, seed=1), err(VE, "path")),
    ("catalog.get a number", lambda: catalog.get(5), err(VE, "NAME")),
    # -- the sheet, the web page and the printout check theirs
    ("worksheet_pages ws None", lambda: _pages_with(ws=None), err(TE, "ws")),
    ("worksheet_pages ws a name", lambda: _pages_with(ws="infonce"), err(TE, "ws")),
    ("worksheet_pages key 'yes'", lambda: _pages_with(key="yes"), err(TE, "key")),
    ("worksheet_pages source 5", lambda: _pages_with(source=5), err(TE, "source")),
    ("worksheet_pages parts a dict", lambda: _pages_with(parts={}), err(TE, "parts")),
    ("worksheet_pages data a list", lambda: _pages_with(data=[1]), err(TE, "data")),
    ("render seed -1", lambda: _render_with(seed=-1), err(VE, "seed")),
    ("render seed 'x'", lambda: _render_with(seed="x"), err(TE, "seed")),
    ("render data_file 5", lambda: _render_with(data_file=5), err(TE, "data_file")),
    ("render source None", lambda: _render_with(source=None), err(TE, "source")),
    ("render ws None", lambda: _render_with(ws=None), err(TE, "ws")),
    ("page_text k 0", lambda: _page_text_with(k=0), err(VE, "k", says=[f"1 to {_PAGES}"])),
    ("page_text k past the last", lambda: _page_text_with(k=_PAGES + 1), err(VE, "k")),
    ("page_text k 1.5", lambda: _page_text_with(k=1.5), err(TE, "k")),
    ("page_text decimals 18", lambda: _page_text_with(decimals=18), err(VE, "decimals")),
    ("page_text steps None", lambda: _page_text_with(steps=None), err(TE, "steps")),
    ("page_text k last works", lambda: _page_text_with(k=_PAGES),
     ok(lambda t: t.startswith(f"== page {_PAGES} of {_PAGES}"))),
]


def _pages_with(**change):
    from aibyhand.classroom import sheet

    kw = {"ws": _INFONCE, "data": _INFONCE.load(), **change}
    figs, _ = sheet.worksheet_pages(kw.pop("ws"), kw.pop("data"), **kw)
    sheet.close(figs)
    return figs


def _render_with(**change):
    from aibyhand.classroom import page

    kw = {"ws": _INFONCE, "data": _INFONCE.load(), **change}
    return page.render(kw.pop("ws"), kw.pop("data"), **kw)


def _page_text_with(**change):
    from aibyhand.classroom import printout

    kw = {"sheet": _INFONCE.sheet, "steps": _INFONCE_STEPS, "k": 1, **change}
    return printout.page_text(kw.pop("sheet"), kw.pop("steps"), kw.pop("k"), **kw)


def _class_of_two():
    from aibyhand.classroom import classview

    right = classview.HandIn("a.toml", student="Ana", report=checker.check(_INFONCE.sheet, _INFONCE_STEPS, {"loss": "7"}))
    return [right, classview.HandIn("b.toml", error="b.toml: not valid TOML")]


CLASS_API_CASES = [
    # -- the class view, names, what a box may hold, the sheet's statistics
    ("classview.summary a number", lambda: _classview().summary(5), err(TE, "hand_ins", says=["int 5"])),
    ("classview.summary a list of reports", lambda: _classview().summary([_INFONCE_STEPS]), err(TE, "hand_ins")),
    ("classview.csv_bytes a dict", lambda: _classview().csv_bytes({}), err(TE, "hand_ins")),
    ("classview.to_json a string", lambda: _classview().to_json("a.toml"), err(TE, "hand_ins")),
    ("classview.gradebook None", lambda: _classview().gradebook(None), err(TE, "hand_ins")),
    ("classview.missed_most a HandIn", lambda: _classview().missed_most(_class_of_two()[0]), err(TE, "hand_ins")),
    ("classview.plot title None", lambda: _classview().plot(_class_of_two(), title=None), err(TE, "title")),
    ("classview.summary of two works", lambda: _classview().summary(_class_of_two()), ok(lambda t: "Ana" in t)),
    ("classview.csv_bytes of two works", lambda: _classview().csv_bytes(_class_of_two()), ok(lambda b: b.startswith(b"\xef\xbb\xbf"))),
    ("names.slug None", lambda: _names().slug(None), err(TE, "name")),
    ("names.slug bytes", lambda: _names().slug(b"Ana"), err(TE, "name", says=["bytes"])),
    ("names.shown 5", lambda: _names().shown(5), err(TE, "name")),
    ("names.slug works", lambda: _names().slug("ana lee"), ok(lambda t: t == "ana-lee")),
    ("spelling.read 5", lambda: _spelling().read(5), err(TE, "raw", says=["int 5"])),
    ("spelling.read bytes", lambda: _spelling().read(b"1"), err(TE, "raw")),
    ("spelling.read words a string", lambda: _spelling().read("cat", "cat"), err(TE, "words")),
    ("spelling.tidy None", lambda: _spelling().tidy(None), err(TE, "raw")),
    ("spelling.value None", lambda: _spelling().value(None), err(TE, "text")),
    ("spelling.read works", lambda: _spelling().read("\uff13/\uff11\uff13"), ok(lambda t: t == "3/13")),
    ("stats.measure ws None", lambda: _stats().measure(None), err(TE, "ws")),
    ("stats.measure ws a name", lambda: _stats().measure("mrl"), err(TE, "ws")),
    ("stats.minutes steps a dict", lambda: _stats().minutes(_INFONCE, steps={}), err(TE, "steps")),
    ("stats.measure source 5", lambda: _stats().measure(_INFONCE, source=5), err(TE, "source")),
    ("stats.count sheet None", lambda: _stats().count(None, _INFONCE_STEPS), err(TE, "sheet")),
    ("stats.minutes works", lambda: _stats().minutes(_INFONCE), ok(lambda n: n > 0 and n % 5 == 0)),
]


def _classview():
    from aibyhand.classroom import classview

    return classview


def _names():
    from aibyhand.classroom import names

    return names


def _spelling():
    from aibyhand.classroom import spelling

    return spelling


def _stats():
    from aibyhand.classroom import stats

    return stats


@pytest.mark.parametrize("call, spec", [pytest.param(c, s, id=i) for i, c, s in CLASS_API_CASES])
def test_class_api(call, spec):
    run_api(call, spec)


@pytest.mark.parametrize("call, spec", [pytest.param(c, s, id=i) for i, c, s in WORKSHEET_API_CASES])
def test_worksheet_api(call, spec):
    run_api(call, spec)


@pytest.mark.parametrize("call, spec", [pytest.param(c, s, id=i) for i, c, s in ANSWERS_API_CASES])
def test_answers_api(call, spec):
    run_api(call, spec)


# == subprocess cases: devices, pipes, closed and full outputs, and what could hang in C ==

def _fifo(f):
    p = f.new("", stem="fifo")
    os.mkfifo(p)
    return p


def _big(f, text, stem):
    return f.text(text, stem=stem)


def _deep_answers(f):
    return _big(f, "S = " + "[" * 50000 + "]" * 50000 + "\n", "deep")


def _dotted_key(f):
    return _big(f, "a" + ".a" * 50000 + " = 1\n", "dotted")


def _dotted_table(f):
    return _big(f, "[" + ".".join(["a"] * 50000) + "]\nx = 1\n", "header")


def _inline_tables(f):
    return _big(f, "x = " + "{a = " * 40000 + "1" + "}" * 40000 + "\n", "inline")


def _hidden_depth(f):
    """A multi-line string holding one quote, then arrays 50000 deep: a depth counter
    that pairs quotes one by one thinks the arrays are inside a string."""
    return _big(f, 'x = """a"b"""\ny = ' + "[" * 50000 + "]" * 50000 + "\n", "hidden")


def _huge_matrix(f):
    return f.data_with("infonce", {"A": [[1] * 2000] * 2000})


def _sixty_columns(f):
    return f.data_with("infonce", {"A": _with_nonzero_columns(_matrix(4, 60, 5)),
                                   "P": _with_nonzero_columns(_matrix(4, 60, 6))})


SUB_CASES = [
    # devices and special files: refused in one line, never read forever
    ("check /dev/zero", lambda f: (["check", "infonce", "/dev/zero"], 2, ["/dev/zero"])),
    ("show --data /dev/zero", lambda f: (["show", "infonce", "--data", "/dev/zero"], 2, ["/dev/zero"])),
    ("check /dev/stdin fed /dev/zero", lambda f: ("AIBYHAND check infonce /dev/stdin < /dev/zero", 2, ["/dev/stdin"])),
    ("check a FIFO nobody writes", lambda f: (["check", "infonce", _fifo(f)], 2, ["fifo"])),
    ("show --data a FIFO nobody writes", lambda f: (["show", "infonce", "--data", _fifo(f)], 2, ["fifo"])),
    # what a TOML parser recurses or loops on
    ("answers nested 50000 deep", lambda f: (["check", "infonce", _deep_answers(f)], 2, ["deep"])),
    ("answers dotted key of 50000 parts", lambda f: (["check", "infonce", _dotted_key(f)], 2, ["dotted"], ["MemoryError"])),
    ("data table header of 50000 parts", lambda f: (["show", "infonce", "--data", _dotted_table(f)], 2, ["header"], ["MemoryError"])),
    ("data inline tables 40000 deep", lambda f: (["show", "infonce", "--data", _inline_tables(f)], 2, ["inline"])),
    ("data depth hidden by a multi-line string", lambda f: (["show", "infonce", "--data", _hidden_depth(f)], 2, ["hidden"])),
    # giant numbers: no OverflowError, no 10^999999999
    ("answers 400-digit integer", lambda f: (["check", "infonce", f.answers_with("infonce", {"loss": Raw("9" * 400)})], 1, [])),
    ("answers 5000-digit integer", lambda f: (["check", "infonce", f.answers_with("infonce", {"loss": Raw("9" * 5000)})], 2, ["infonce-answers"])),
    ("answers '1e999999999'", lambda f: (["check", "infonce", f.answers_with("infonce", {"loss": "1e999999999"})], 1, [])),
    ("answers '1/1e999999999'", lambda f: (["check", "infonce", f.answers_with("infonce", {"loss": "1/1e999999999"})], 1, [])),
    ("data temperature of 400 digits", lambda f: (["show", "infonce", "--data", f.data_with("infonce", {"temperature": Raw("9" * 400)})], 2, ["infonce-data", "temperature"])),
    ("data a 2000 x 2000 matrix", lambda f: (["show", "infonce", "--data", _huge_matrix(f)], 2, ["infonce-data"])),
    ("sheet 4 x 60 InfoNCE refused", lambda f: (["sheet", "infonce", "--data", _sixty_columns(f), "-o", f.new(".pdf")], 2, ["infonce-data"])),
    # outputs that cannot be written, pipes closed early
    ("show with stdout closed", lambda f: ("AIBYHAND show infonce >&-", 2, [])),
    ("check with stdout closed", lambda f: (f"AIBYHAND check infonce {_wrong(f)} >&-", 2, [])),
    ("show > /dev/full", lambda f: ("AIBYHAND show infonce > /dev/full", 2, [], ["show: :", "''"])),
    ("check > /dev/full", lambda f: (f"AIBYHAND check infonce {f.key_path('infonce')} > /dev/full", 2, [], ["check: :"])),
    ("template > /dev/full", lambda f: ("AIBYHAND sheet infonce --answers-template > /dev/full", 2, [])),
    ("check wrong | head -1", lambda f: (f"AIBYHAND check infonce {_wrong(f)} | head -1 > /dev/null", 1, [])),
    ("check wrong --json | head -c1", lambda f: (f"AIBYHAND check infonce {_wrong(f)} --json | head -c1 > /dev/null", 1, [])),
    ("check right | head -1", lambda f: (f"AIBYHAND check infonce {f.key_path('infonce')} | head -1 > /dev/null", 0, [])),
    ("show decode | head -1", lambda f: ("AIBYHAND show decode | head -1 > /dev/null", 0, [])),
    ("list | true", lambda f: ("AIBYHAND list | true", 0, [])),
    ("template | head -c1", lambda f: ("AIBYHAND sheet mrl --answers-template | head -c1 > /dev/null", 0, [])),
    ("a file name that is not UTF-8", lambda f: (f"cd {f.root / 'case'} && AIBYHAND sheet infonce -o $'\\xff.html'", 0, [])),
    ("a data name that is not UTF-8", lambda f: ("AIBYHAND show infonce --data $'\\xff\\n.toml'", 2, ["\\udcff\\n.toml"])),
    ("an error with stderr closed", lambda f: ("AIBYHAND show nope 2>&-", 2, None)),
    ("python -m aibyhand with no arguments", lambda f: ([], 2, [])),
]

_SUB_TIMEOUTS = {"check a FIFO nobody writes": 15, "show --data a FIFO nobody writes": 15}


@pytest.fixture(scope="module")
def sub_results(files):
    """Every subprocess case, three at a time (each bounded in time and memory)."""
    commands = {}
    for case_id, case in SUB_CASES:
        command, codes, needles, *forbid = case(files)
        commands[case_id] = (command, codes, needles, forbid[0] if forbid else ())

    def one(item):
        case_id, (command, *_) = item
        return case_id, run_sub(command, files.root, _SUB_TIMEOUTS.get(case_id, SUBPROCESS_SECONDS))

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(pool.map(one, commands.items()))
    return {k: (commands[k], results[k]) for k in commands}


@pytest.mark.parametrize("case_id", [c for c, _ in SUB_CASES])
def test_subprocess(sub_results, case_id):
    (command, codes, needles, forbid), got = sub_results[case_id]
    if needles is None:           # stderr itself is closed: only the exit code can tell
        assert "Traceback" not in got[2] and got[0] == codes, got
        return
    assert_outcome(got, codes, needles, forbid)


# == (f) outputs: every file a command writes =========================================

def _plot_args(f, path):
    return ["check", "infonce", f.key_path("infonce"), _wrong(f), "--plot", path]


OUTPUTS = {  # what writes a file: (its suffix, its option, the command line for a path)
    "sheet .pdf": (".pdf", "-o", lambda f, p: ["sheet", "infonce", "-o", p]),
    "sheet .png": (".png", "-o", lambda f, p: ["sheet", "head", "-o", p]),
    "sheet .html": (".html", "-o", lambda f, p: ["sheet", "infonce", "-o", p]),
    "key .toml": (".toml", "-o", lambda f, p: ["sheet", "infonce", "--key", "-o", p]),
    "template .toml": (".toml", "-o", lambda f, p: ["sheet", "infonce", "--answers-template", "-o", p]),
    "show --save": (".toml", "--save", lambda f, p: ["show", "infonce", "--save", p]),
    "check --plot": (".png", "--plot", _plot_args),
    "check --csv": (".csv", "--csv", lambda f, p: ["check", "infonce", f.key_path("infonce"), _wrong(f), "--csv", p]),
}


def _full(f, suffix):
    """A name that leads to /dev/full: every write to it fails, as on a full disk."""
    p = f.new(suffix, stem="full")
    p.symlink_to("/dev/full")
    return p


UNWRITABLE = {  # where an output cannot go, for a suffix: (the path, what the error names)
    "in a missing folder": lambda f, s: (f.root / "nowhere" / f"x{s}", ["nowhere"]),
    "under a regular file": lambda f, s: (f.key_path("infonce") / f"x{s}", [f"x{s}"]),
    "a folder": lambda f, s: (_folder_named(f, f"folder{s}"), [f"folder{s}"]),
    "a full device": lambda f, s: (_full(f, s), ["full", "no space"]),
    "no permission (/proc)": lambda f, s: (Path("/proc/self") / f"x{s}", [f"x{s}"]),
    "no permission (/sys)": lambda f, s: (Path("/sys") / f"x{s}", [f"x{s}"]),
    "an unknown extension": lambda f, s: (f.new(".docx", stem="unknown"), [".docx", s]),
    "no extension": lambda f, s: (f.new("", stem="bare"), ["bare", s]),
}


def _listing(root: Path) -> set:
    return {p for p in root.rglob("*")}


@pytest.mark.parametrize("where", list(UNWRITABLE))
@pytest.mark.parametrize("what", list(OUTPUTS))
def test_an_output_that_cannot_be_written(files, what, where):
    """Exit 2, one line naming the option, the file and why; nothing half-written left."""
    suffix, flag, argv = OUTPUTS[what]
    path, needles = UNWRITABLE[where](files, suffix)
    before = _listing(files.root)
    assert_outcome(run_cli(*argv(files, path)), 2, [flag, *needles])
    left = _listing(files.root) - before
    made_by_case = {p for p in left if p.stem.startswith(("case", "full", "unknown", "bare", "infonce-answers"))}
    assert left == made_by_case, f"left behind: {sorted(map(str, left - made_by_case))}"


@pytest.mark.parametrize("what", list(OUTPUTS))
def test_an_output_to_a_good_name_is_written(files, what):
    """The same commands, to a name that can be written: exit 0 and a file that is not empty."""
    suffix, _, argv = OUTPUTS[what]
    path = files.new(suffix, stem="good")
    code, out, err = run_cli(*argv(files, path))
    assert code == (1 if what.startswith("check") else 0) and err == "", err   # the class has a wrong box
    assert path.stat().st_size > 0
    assert not list(path.parent.glob(".*.part")), "a temporary file was left"


def test_a_write_that_fails_midway_leaves_the_old_file_and_nothing_else(files):
    """A disk that fills while writing (a file size limit: ``ulimit -f``, which binds
    root too): exit 2 naming the file, the file that was there is as it was, no part of
    the new one is left, and a sheet's PNG pages are all written or none."""
    keep = files.new(".pdf", stem="keep")
    keep.write_bytes(b"someone's work")
    keep.chmod(0o640)
    pages = files.new(".png", stem="pages")
    for argv, path in ((["sheet", "infonce", "-o", keep], keep), (["sheet", "head", "-o", pages], pages),
                       (["sheet", "infonce", "--key", "-o", keep.with_suffix(".toml")], keep.with_suffix(".toml")),
                       (["sheet", "infonce", "-o", keep.with_suffix(".html")], keep.with_suffix(".html"))):
        before = _listing(files.root)
        limit = 1 if path.suffix == ".toml" else 16   # KB: the key is about 2 KB, the others 40 KB or more
        got = run_sub(f"ulimit -f {limit}; AIBYHAND {' '.join(map(str, argv))}", files.root)
        assert_outcome(got, 2, [path.name, "larger than a file may be here"])
        assert _listing(files.root) == before, sorted(map(str, _listing(files.root) - before))
    assert keep.read_bytes() == b"someone's work" and (keep.stat().st_mode & 0o777) == 0o640


def test_write_keeps_the_mode_of_the_file_it_replaces_and_writes_through_a_link(files):
    from aibyhand import output

    target = files.new(".html", stem="target")
    target.write_text("old")
    target.chmod(0o604)
    link = files.new(".html", stem="link")
    link.symlink_to(target)
    assert output.write(link, "new", suffixes=(".html",)) == link
    assert link.is_symlink() and target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o604
    fresh = files.new(".toml", stem="fresh")
    output.write(fresh, b"x = 1\n", exist_ok=False)
    assert (fresh.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_all_writes_every_file_or_none(files):
    from aibyhand import output

    good = files.new(".png", stem="good-first")
    with pytest.raises(output.OutputError) as info:
        output.write_all([(good, b"page 1"), (_full(files, ".png"), b"page 2")])
    assert "no space" in str(info.value) and not good.exists()


def _output_error(call, exc, head):
    """``call`` raises ``exc`` with one line starting ``head: ``."""
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{head}: "), message


def test_write_refuses_what_is_not_a_file_name(files):
    from aibyhand import output

    _output_error(lambda: output.write(5, b""), TypeError, "-o")
    _output_error(lambda: output.write(b"x.pdf", b""), TypeError, "-o")
    _output_error(lambda: output.write(None, b"", flag="--plot"), TypeError, "--plot")
    _output_error(lambda: output.write("", b""), output.OutputError, "-o")
    _output_error(lambda: output.write(str(files.root / "nul\0.pdf"), b""), output.OutputError, "-o")
    p = files.new(".pdf")
    _output_error(lambda: output.write(p, b"", suffixes=(".png",)), output.OutputError, f"-o {p}")
    fifo = _fifo(files)
    _output_error(lambda: output.write(fifo, b""), output.OutputError, f"-o {fifo}")
    assert issubclass(output.OutputError, ValueError)


# == (g) every limit is stated where a user looks: --help and the README ================

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _help(*argv) -> str:
    code, out, err = run_cli(*argv, "--help")
    assert code == 0, err
    return " ".join(out.split())


def test_every_limit_is_in_help_and_readme():
    from aibyhand import bench, validate
    from aibyhand.classroom import worksheet

    readme = " ".join(README.split())
    seeds = f"0 to {worksheet.MAX_SEED:,}"
    stated = {
        seeds: [_help("show"), _help("sheet"), _help("check"), readme],
        "0 to 17": [_help("show"), readme],
        f"{bench.MIN_REPEATS} to {bench.MAX_REPEATS}": [_help("bench"), readme],
        ".pdf": [_help("sheet"), readme], ".html": [_help("sheet"), readme], ".toml": [_help("sheet"), _help("show"), readme],
        f"{validate.MAX_BATCH:,} pairs": [readme],
        f"{finetune.MAX_STEPS:,} steps": [readme],
        f"train_steps` 0 to {finetune.MAX_STEPS:,}": [readme],
        f"{worksheet.MAX_BYTES // 1024} KB": [readme],
        f"{worksheet.MAX_SIDE} x {worksheet.MAX_SIDE}": [readme],
        f"nested at most {worksheet.MAX_DEPTH} deep": [readme],
        "2^25": [readme],
    }
    assert scale.MAX_NUMBERS == 2 ** 25 and scale.MAX_STEPS == finetune.MAX_STEPS
    assert validate.MAX_BATCH ** 2 == 2 ** 24 and "2^24 attention scores" in readme
    for words, places in stated.items():
        for text in places:
            assert words in text, f"{words!r} is not stated in {text[:80]!r}..."


# == (h) round 3: what a fresh hunt found (HOSTILE.md) ===================================

def _classroom(module):
    import importlib

    return importlib.import_module(f"aibyhand.classroom.{module}")


def _mrl_sheet():
    ws = catalog.get("mrl")
    return ws.sheet, ws.steps()


def _first_box(sheet, steps):
    from aibyhand.classroom import layout

    it = next(iter(sheet.boxes()))
    return it.name, layout.shown(it, steps)[0].shape


def _deep(n):
    x = ["1"]
    for _ in range(n):
        x = [x]
    return x


def _other_weights():
    s = backbone.forward(M, "the cat", mask="causal")
    return backbone.backward(times(M, W2=2.0), s, np.ones(s["H"].shape))


ROUND3_API = [
    ("scale.experiment pretrain 0", lambda: scale.experiment(pretrain=0), err(VE, "pretrain", says=["1 to 100,000"])),
    ("scale.experiment steps 0", lambda: scale.experiment(steps=0), err(VE, "steps", says=["1 to 100,000"])),
    ("scale.experiment n_train 10^6", lambda: scale.experiment(n_train=10 ** 6), err(VE, "n_train", says=["43,690"])),
    ("head.forward 5,000 inputs", lambda: head.forward(np.ones((2, 5000)), np.eye(2), np.eye(2), np.ones((2, 5000)), dims=(2, 1)),
     err(VE, "X", says=["4,096"])),
    ("check another worksheet's Steps", lambda: checker.check(catalog.get("mrl").sheet, _INFONCE_STEPS, {}), err(VE, "steps")),
    ("check an answer nested 5,000 deep", lambda: checker.check(*_mrl_sheet(), {_first_box(*_mrl_sheet())[0]: _deep(5000)}),
     err(VE, "answers", says=["deep"])),
    ("mark a box of the wrong shape", lambda: checker.mark(*_mrl_sheet(), {_first_box(*_mrl_sheet())[0]: np.zeros((1, 1))}),
     err(VE, "boxes", says=["(1, 1)"])),
    ("mark a box that is text", lambda: checker.mark(*_mrl_sheet(), {_first_box(*_mrl_sheet())[0]: "x"}), err(TE, "boxes")),
    ("mark a name that is not a box", lambda: checker.mark(*_mrl_sheet(), {"nope": np.zeros((1, 1))}), err(VE, "boxes", says=["'nope'"])),
    ("backbone.backward with other weights", _other_weights, err(VE, "params", says=["W2"])),
    ("variants.make seed -1", lambda: _classroom("variants").make("infonce", -1), err(VE, "seed")),
    ("variants.make seed 10^12", lambda: _classroom("variants").make("infonce", 10 ** 12), err(VE, "seed")),
    ("variants.make seed '3'", lambda: _classroom("variants").make("infonce", "3"), err(TE, "seed")),
    ("variants.make an unknown worksheet", lambda: _classroom("variants").make("nope", 3), err(VE, "name", says=["'nope'"])),
    ("Worksheet.join []", lambda: _INFONCE.join([]), err(TE, "parts")),
    ("stats.format_stats a string", lambda: _classroom("stats").format_stats("x"), err(TE, "st")),
    ("catalog.get a list", lambda: catalog.get(["infonce"]), err(VE, "NAME", says=["list"])),
    ("read_roster a number", lambda: _classroom("classset").read_roster(5), err(TE, "path")),
    ("seed_of worksheet 5", lambda: _classroom("classset").seed_of(5, "Ana"), err(TE, "worksheet")),
    ("seed_of k -1", lambda: _classroom("classset").seed_of("infonce", "Ana", -1), err(VE, "k")),
    ("seed_of a number as key", lambda: _classroom("classset").seed_of("infonce", 5), err(TE, "key")),
    ("page.render student 5", lambda: _classroom("page").render(_INFONCE, _INFONCE.load(), student=5), err(TE, "student")),
    ("page.render a 100-character student", lambda: _classroom("page").render(_INFONCE, _INFONCE.load(), student="x" * 100),
     err(VE, "student", says=["60"])),
    ("page.render student with a NUL", lambda: _classroom("page").render(_INFONCE, _INFONCE.load(), student="a\0b"),
     err(VE, "student", says=["<U+0000>"])),
    ("page.render student_id 5", lambda: _classroom("page").render(_INFONCE, _INFONCE.load(), student_id=5), err(TE, "student_id")),
    ("key_pages dpi 0", lambda: _classroom("printout").key_pages(_INFONCE, _INFONCE.load(), dpi=0), err(VE, "dpi")),
    ("key_pages dpi nan", lambda: _classroom("printout").key_pages(_INFONCE, _INFONCE.load(), dpi=math.nan), err(VE, "dpi")),
    ("key_pages dpi 10^6", lambda: _classroom("printout").key_pages(_INFONCE, _INFONCE.load(), dpi=1e6), err(VE, "dpi", says=["600"])),
    ("sheet.save no pages", lambda: _classroom("sheet").save([], "/nonexistent/x.pdf"), err(TE, "figs")),
    ("sheet.save a string", lambda: _classroom("sheet").save("x", "/nonexistent/x.pdf"), err(TE, "figs")),
    # what round 3 left, done since
    ("names.slug a lone surrogate", lambda: _classroom("names").slug("\ud800x"), err(VE, "name", says=["U+D800"])),
    ("seed_of a lone surrogate", lambda: _classroom("classset").seed_of("infonce", "a\udfffb"), err(VE, "key", says=["U+DFFF"])),
    ("spelling.value of what read() never gives", lambda: _classroom("spelling").value("abc"), err(VE, "text", says=["'abc'"])),
    ("spelling.value of a fraction over 0", lambda: _classroom("spelling").value("1/0"), err(VE, "text", says=["'1/0'"])),
    ("classview.plot of no hand-ins", lambda: _classroom("classview").plot([], title="x"), err(VE, "hand_ins")),
    ("classview.HandIn file 5", lambda: _classroom("classview").HandIn(file=5), err(TE, "file", says=["int"])),
    ("classview.HandIn seed -3", lambda: _classroom("classview").HandIn(file="a.toml", seed=-3), err(VE, "seed")),
]


@pytest.mark.parametrize("call, spec", [pytest.param(c, s, id=i) for i, c, s in ROUND3_API])
def test_round3_api(call, spec):
    run_api(call, spec)


def test_a_float128_overflow_is_one_error_and_no_numpy_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^A: expected finite numbers"):
            infonce.forward(np.full((2, 2), np.float128("1e400")), np.ones((2, 2)))


def _huge_etok():
    d = _classroom("variants").make("decode", 0)
    return decode.forward(times(d["model"], Etok=1e200), d["sentence"], base=3)


def _finetune_lr(lr):
    d = _classroom("variants").make("finetune", 0)
    return finetune.train(d["model"], d["anchors"], d["positives"], n_steps=1, lr=lr, base=3)


def _scale_lr(lr):
    Xa, Xp = scale.pairs(64, d=16, k=8, nuisance=4)
    W_up, W_down = scale.init_head(d=16, d_up=32)
    return scale.train(Xa, Xp, W_up, W_down, dims=(8, 4), steps=2, batch=8, lr=lr)


_HEAD = catalog.get("head").load()

OVERFLOWS = [
    ("mrl.forward weights 1e308", lambda: mrl.forward(np.eye(8)[:, :3] + 1, np.eye(8)[:, :3] + 2, weights=[1e308] * 3),
     "weights"),
    ("head.forward weights x 1e200", lambda: head.forward(_HEAD["X"], _HEAD["W_up"] * 1e200, _HEAD["W_down"] * 1e200,
                                                          _HEAD["T"], dims=_HEAD["dims"]), "W_up"),
    ("scale.pairs strength 1e308", lambda: scale.pairs(8, strength=1e308), "noise"),
    ("scale.train lr 1e300", lambda: _scale_lr(1e300), "lr"),
    ("decode.forward Etok x 1e200", _huge_etok, "Etok"),
    ("finetune.train lr 1e300", lambda: _finetune_lr(1e300), "lr"),
]


@pytest.mark.parametrize("call, first", [pytest.param(c, n, id=i) for i, c, n in OVERFLOWS])
def test_an_overflow_is_one_error_and_no_numpy_warning(call, first):
    """The one-line error says it; NumPy's RuntimeWarning on stderr beside it would say it
    again, in NumPy's words."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with bounded(), pytest.raises(ValueError) as got:
            call()
    message = str(got.value)
    assert "\n" not in message and message.split(":")[0].split(", ")[0] == first, message
    assert "overflow" in message or "too far" in message, message


@pytest.mark.parametrize("changes, header", [({"base": 1.0000000001}, "base = 1.0000000001"),
                                             ({"temperature": 1 / 3}, "temperature = 1/3"),
                                             ({"temperature": 0.1 + 0.2}, "temperature = 0.3"),
                                             ({"temperature": 0.05}, "temperature = 0.05")])
def test_the_printout_header_never_rounds_a_setting_into_another(changes, header):
    """``show``'s header: base 1.0000000001 is not "base = 1"; 1/3 is "1/3", not 0.333333."""
    data = {**_INFONCE.load(), **changes}
    assert header in str(_INFONCE.steps(data)).splitlines()[1]


@pytest.mark.parametrize("changes, shown", [({"base": 1.0000000001}, "base 1.0000000001"),
                                            ({"temperature": 0.004}, "temperature 0.004"),
                                            ({"temperature": 1e-300}, "temperature 1e-300")])
def test_the_sheet_never_rounds_a_setting_into_another(changes, shown):
    """The settings line is what students compute with: base 1.0000000001 is not "base 1",
    temperature 0.004 is not "0.00"."""
    data = {**_INFONCE.load(), **changes}
    assert shown in _classroom("sheet").settings_line(_INFONCE.steps(data))


def _roster(f, text: str, suffix=".txt"):
    return f.raw(text.encode("utf-8"), suffix=suffix, stem="roster")


ROUND3_CLI = [
    ("show --sheet --step", lambda f: (["show", "infonce", "--sheet", "--step", "S"], 2, ["--step"])),
    ("sheet --key --answers-template", lambda f: (["sheet", "infonce", "--key", "--answers-template"], 2, ["--key"])),
    ("seed 1.5 says what is allowed", lambda f: (["show", "infonce", "--seed", "1.5"], 2, ["--seed", "0 to 999,999,999"])),
    ("seed of 5000 digits", lambda f: (["show", "infonce", "--seed", "9" * 5000], 2, ["--seed", "0 to 999,999,999"])),
    ("answers for worksheet 5", lambda f: (["check", "infonce", f.answers_with("infonce", {"worksheet": 5})], 2,
                                           ["worksheet", "expected one of"], ["aibyhand check 5"])),
    ("answers for an unknown worksheet", lambda f: (["check", "infonce", f.answers_with("infonce", {"worksheet": "nope"})], 2,
                                                    ["worksheet", "expected one of"], ["aibyhand check nope"])),
    ("answers with a BOM", lambda f: (["check", "infonce", f.raw(b"\xef\xbb\xbf" + f.key_path("infonce").read_bytes())], 0, [])),
    ("data with a BOM", lambda f: (["show", "infonce", "--step", "loss", "--data",
                                    f.raw(b"\xef\xbb\xbf" + f.data_path("infonce").read_bytes())], 0, [])),
    ("a fraction unquoted in a matrix's row", lambda f: (["check", "infonce", f.text(
        f.key_path("infonce").read_text().replace('["0", "-1/2", "-1/2"]', '[0, -1/2, "-1/2"]'))], 2, ["in quotes"])),
    ("roster CSV with a 200 KB field", lambda f: (["class", "infonce", _roster(f, 'name\n"' + "a" * 200_000 + '"\n', ".csv"),
                                                   "-o", f.new("")], 2, ["roster", "line 2"])),
    ("roster with a line separator in a name", lambda f: (["class", "infonce", _roster(f, "Ana\u2028Bo\nCy\n"), "-o", f.new("")],
                                                          2, ["roster", "line 1", "<U+2028>"])),
    ("roster with a file separator in a name", lambda f: (["class", "infonce", _roster(f, "Ana\x1cBo\n"), "-o", f.new("")],
                                                          2, ["roster", "line 1", "<U+001C>"])),
    ("class -o a folder that cannot be made", lambda f: (["class", "infonce", _roster(f, "Ana\n"), "-o", "/proc/aibyhand-no/class"],
                                                         2, ["-o /proc/aibyhand-no/class"])),
    ("bench --step --budgets", lambda f: (["bench", "--step", "--budgets"], 2, ["--step", "--budgets"])),
    ("check --data, answers with seed -3", lambda f: (["check", "infonce", f.answers_with("infonce", {"seed": -3}),
                                                       "--data", f.data_path("infonce")], 2,
                                                      ["seed", "0 to 999,999,999", "-3"], ["not the numbers in"])),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=i) for i, c in ROUND3_CLI])
def test_round3_cli(files, case):
    argv, codes, needles, *forbid = case(files)
    assert_outcome(run_cli(*argv), codes, needles, *forbid)


def test_class_with_an_empty_output_name_writes_nothing(files):
    """``-o ''`` is refused as ``sheet -o ''`` is: not a class set in the current folder."""
    here = files.new("", stem="here")
    here.mkdir()
    roster = _roster(files, "Ana\n")
    got = run_sub(["class", "infonce", roster, "-o", ""], here)
    assert_outcome(got, 2, ["-o"])
    assert list(here.iterdir()) == []


@pytest.mark.parametrize("flag, suffix", [("--csv", ".csv"), ("--plot", ".png")])
def test_check_never_writes_over_an_answers_file(files, flag, suffix):
    """An answers file saved as .csv or .png, named again as the gradebook or the plot
    (through a link here): refused before anything is written, the answers kept."""
    answers = files.raw(files.key_path("infonce").read_bytes(), suffix=suffix, stem="answers")
    link = files.new(suffix, stem="link")
    link.symlink_to(answers)
    before = answers.read_bytes()
    assert_outcome(run_cli("check", "infonce", answers, flag, link), 2, [flag, "answers"])
    assert answers.read_bytes() == before
