"""Apply one audit mutation by id: ``python mutate.py A3`` edits the file in place.

Refuses (exit 2) unless the old text occurs exactly once in the file.
``python mutate.py --md`` prints MUTATIONS.md (file:line computed from the clean tree).
``python mutate.py --check`` checks that every old text occurs exactly once.
Restore with ``git checkout -- aibyhand``.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]   # the repository (this file: tests/audit/)
F = "aibyhand/formula.py"
C = "aibyhand/classroom/check.py"
SP = "aibyhand/classroom/spelling.py"
NM = "aibyhand/classroom/names.py"
JS = "aibyhand/classroom/page.js"
V = "aibyhand/classroom/variants.py"

# id: (file, old, new, what it breaks)
MUTATIONS = {
    # ---- A: formula.py ------------------------------------------------------------------
    "A1": (F, "return a[0] - b[1], a[1] - b[0]", "return a[0] - b[0], a[1] - b[1]",
           "interval subtraction pairs lo with lo: enclose() no longer contains the value"),
    "A2": (F, "low = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(a, b))", "low = np.minimum(a, b)",
           "x^2 of an interval spanning 0 gets a low end above 0 (unsound)"),
    "A3": (F, "spans_zero = np.broadcast_to((b[0] <= 0) & (b[1] >= 0), lo.shape)",
           "spans_zero = np.broadcast_to((b[0] < 0) & (b[1] > 0), lo.shape)",
           "division by an interval that touches 0 at an end is not widened to +-inf"),
    "A4": (F, "cr = np.abs(am) @ br + ar @ np.abs(bm) + ar @ br", "cr = np.abs(am) @ br + ar @ np.abs(bm)",
           "midpoint-radius matrix product drops the radius x radius term (unsound)"),
    "A5": (F, "return hi >= lo.max(axis=-2, keepdims=True)", "return hi > lo.max(axis=-2, keepdims=True)",
           "could_be_largest: the row that attains the best low end is not counted (point intervals: none)"),
    "A6": (F, "return (lo > 0).astype(float), (hi > 0).astype(float)",
           "return (lo >= 0).astype(float), (hi >= 0).astype(float)",
           "positive(0) is 1, docstring says ReLU's slope is 0 at 0"),
    "A7": (F, "        return -hi, -lo\n", "        return -lo, -hi\n",
           "negation of an interval keeps lo/hi order: low end above high end"),
    "A8": (F, "v = np.argmax(lo2, axis=-2)[..., None, :].astype(float)",
           "v = np.argmax(lo2, axis=-1)[..., None, :].astype(float)",
           "argmax over the wrong axis (columns instead of rows)"),
    "A9": (F, "return (start, start + 1 if start != -1 else None)", "return (start, start + 1)",
           "X[:, -1] (the last column) becomes an empty slice"),
    "A10": (F, 'axis = -1 if name.startswith("row") else -2', 'axis = -2 if name.startswith("row") else -1',
            "rowsum/colsum/rowmax/colmax/rowmean reduce the wrong axis"),
    "A11": (F, "return np.log(np.maximum(lo, 0)) / f, np.log(np.maximum(hi, 0)) / f",
            "return np.log(np.maximum(lo, 0)), np.log(np.maximum(hi, 0))",
            "log_b forgets its base: log_3 computes ln"),
    "A12": (F, "c = np.stack(np.broadcast_arrays(a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]))",
            "c = np.stack(np.broadcast_arrays(a[0] * b[0], a[1] * b[1]))",
            "interval product uses only lo*lo and hi*hi: wrong for intervals with negative ends"),
    "A13": (F, "mid, half = (lo2 + hi2) / 2, np.sqrt(np.sum(((hi2 - lo2) / 2) ** 2))",
            "mid, half = (lo2 + hi2) / 2, np.max(np.abs(hi2 - lo2) / 2)",
            "rank's Weyl radius uses the max entry radius, not Frobenius: lower rank bound too high"),
    "A14": (F, "extra, width = n - 1, [(0, 0)] * (lo.ndim - 1) + [(n - 1, 0)]", "extra, width = n - 1, [(0, 0)] * (lo.ndim - 1) + [(0, n - 1)]",
            "atlast(x, n) puts the column first instead of last"),
    "A15": (F, "np.add.at(np.moveaxis(o, -1, 0), ids, np.moveaxis(x, -1, 0))",
            "np.moveaxis(o, -1, 0)[ids] = np.moveaxis(x, -1, 0)",
            "scatter overwrites instead of adding when an id repeats"),
    # ---- B: check.py (+ spelling.py, names.py) -------------------------------------------
    "B1": (C, "return lo - RHO - slack <= y <= hi + RHO + slack", "return lo - slack <= y <= hi + slack",
           "_within drops the rounding tolerance RHO: an honest 2-decimal value can be wrong"),
    "B2": (C, 'verdict = ("right" if _within(y, c_iv) or _within(y, (e, e)) else',
           'verdict = ("right" if _within(y, c_iv) else',
           "the exact value is no longer right whatever the boxes before say"),
    "B3": (C, '"follow" if _within(y, f_iv) else "wrong")', '"follow" if _within(y, c_iv) else "wrong")',
           "follow-through judged on the clean chain: a box computed from a slip is wrong"),
    "B4": (C, 'if verdict == "right":\n                    R[i] = y', 'if verdict != "wrong":\n                    R[i] = y',
           "a follow-through value enters the reference chain: later boxes from a slip count right"),
    "B5": (C, "SKIPPED = 5 * RHO ", "SKIPPED = 50 * RHO ",
           "a blank box may stand for a value 0.25 away: a box after blanks is right for many values"),
    "B6": (C, "if _within(-y, iv) and abs(y) > RHO and not _whole(-y):", "if _within(-y, iv) and abs(y) > RHO:",
           "hint names the sign where the value is whole (gives the answer away)"),
    "B7": (C, "for f in (0.1, 10, 0.01, 100))", "for f in (0.1, 10))",
           "decimal-point hint misses a point two places off"),
    "B8": (C, "if _within(y, (float(v[index[::-1]]) - RHO, float(v[index[::-1]]) + RHO)):",
           "if _within(y, (float(v[index]) - RHO, float(v[index]) + RHO)):",
           "'rows and columns swapped?' compares with the cell itself: never given"),
    "B9": (C, 'return not self.ids("wrong") and not self.ids("unreadable")', 'return not self.ids("wrong")',
           "a box that cannot be read no longer makes check exit 1"),
    "B10": (C, 'return (n["right"] + n["follow"]) / len(self.marks) if self.marks else 0.0',
            'return n["right"] / len(self.marks) if self.marks else 0.0',
            "score leaves out follow-through boxes"),
    "B11": (C, "return max((m.page for m in self.marks if m.verdict), default=0)",
            "return max((m.page for m in self.marks), default=0)",
            "last_page counts pages with nothing written (always the last page)"),
    "B12": (C, "if not _close(m.follow, m.expected):", "if _close(m.follow, m.expected):",
            "--reveal shows the student's own interval only when it equals the expected value"),
    "B13": (SP, r'MINUS = re.compile("[\u2212\u2010\u2011\u2012\u2013\ufe63]")',
            r'MINUS = re.compile("[\u2212\u2010\u2011\u2012\ufe63]")',
            "the en dash U+2013 is no longer read as a minus sign"),
    "B14": (SP, 'if any(len(run) > DIGITS for run in re.findall("[0-9]+", text)):',
            'if any(len(run) >= DIGITS for run in re.findall("[0-9]+", text)):',
            "a part of exactly 12 digits is refused (README: at most 12)"),
    "B15": (SP, "if m[2] is not None and Fraction(m[2]) == 0:", "if m[2] is not None and Fraction(m[1]) == 0:",
            "a fraction over 0 is tested on the numerator: 3/0 accepted (crash), 0/5 refused"),
    "B16": (NM, 'if nfc != text.replace("-", " "):', 'if nfc.lower() != text.replace("-", " "):',
            "slug adds no hash where only case was lost: 'Ana Lee' and 'ana lee' share a file"),
    "B17": (NM, 'HIDDEN = ("Cc", "Cf", "Zl", "Zp")', 'HIDDEN = ("Cc", "Zl", "Zp")',
            "format characters (bidi override, zero-width) are printed raw in a name"),
    # ---- C: page.js ---------------------------------------------------------------------
    "C1": (JS, "return lo - RHO - slack <= y && y <= hi + RHO + slack;", "return lo - slack <= y && y <= hi + slack;",
           "within() drops RHO: honest 2-decimal values marked wrong on the page"),
    "C2": (JS, "sub: function (a, b) { return iv(zip(a.lo, b.hi, minus), zip(a.hi, b.lo, minus)); },",
           "sub: function (a, b) { return iv(zip(a.lo, b.lo, minus), zip(a.hi, b.hi, minus)); },",
           "interval subtraction pairs lo with lo (unsound enclose)"),
    "C3": (JS, "return iv(zip(lo, hi, function (l, h) { return l <= 0 && h >= 0 ? 0 : npmin(l * l, h * h); }),",
           "return iv(zip(lo, hi, function (l, h) { return npmin(l * l, h * h); }),",
           "square of an interval spanning 0: low end not 0"),
    "C4": (JS, "cr.d[i] = ((cr.d[i] + t1.d[i]) + t2.d[i]) + 4 * EPS * t3.d[i];",
           "cr.d[i] = (cr.d[i] + t1.d[i]) + 4 * EPS * t3.d[i];",
           "matrix product radius drops ar @ br"),
    "C5": (JS, "return b0 <= 0 && b1 >= 0 ? -Infinity : nanmin4(", "return b0 < 0 && b1 > 0 ? -Infinity : nanmin4(",
           "division low end: a divisor interval touching 0 is not widened to -inf"),
    "C6": (JS, "hi.d[r * lo.c + c] >= top.d[c] ? 1 : 0", "hi.d[r * lo.c + c] > top.d[c] ? 1 : 0",
           "couldBeLargestRows: the best row itself is not counted"),
    "C7": (JS, "if (v !== v || v > b) best = i;", "if (v !== v || v >= b) best = i;",
           "argmax takes the last row on a tie, not the first (NumPy)"),
    "C8": (JS, ': within(y, f0, f1) ? "follow" : "wrong";', ': within(y, c0, c1) ? "follow" : "wrong";',
           "the page never gives follow-through"),
    "C9": (JS, 'if (verdict === "right") R.d[p] = y;', 'if (verdict !== "wrong") R.d[p] = y;',
           "a follow-through value enters the reference chain"),
    "C10": (JS, "return [pymin(pymax(lo - RHO, v - SKIPPED), ref - RHO), pymax(pymin(hi + RHO, v + SKIPPED), ref + RHO)];",
            "return [pymin(lo - RHO, ref - RHO), pymax(hi + RHO, ref + RHO)];",
            "skipped() drops the SKIPPED cap: a run of blanks widens without bound"),
    "C11": (JS, 'if (within(-y, lo, hi) && Math.abs(y) > RHO && !isWhole(-y)) return "check the sign";',
            'if (within(-y, lo, hi) && Math.abs(y) > RHO) return "check the sign";',
            "page hint names the sign for a whole value"),
    "C12": (JS, "var t = v.d[j * v.c + i];", "var t = v.d[i * v.c + j];",
            "'rows and columns swapped?' compares with the cell itself: never shown"),
    "C13": (JS, "if (m[2] !== undefined && Number(m[2]) === 0) return {reason: REASONS.zero};",
            "if (m[2] !== undefined && Number(m[1]) === 0) return {reason: REASONS.zero};",
            "page: fraction over 0 tested on the numerator"),
    "C14": (JS, 'return nfc === s.replace(/-/g, " ") ? s : s + "-" + fnv1a(nfc);',
            'return nfc.toLowerCase() === s.replace(/-/g, " ") ? s : s + "-" + fnv1a(nfc);',
            "page slug: no hash where only case was lost (differs from names.slug)"),
    "C15": (JS, "if (ch === '\"' || ch === \"\\\\\") out += \"\\\\\" + ch;", "if (ch === '\"') out += \"\\\\\" + ch;",
            "saved answers file: a backslash is not escaped (broken TOML / changed text)"),
    "C16": (JS, "start = Math.min(start, STEP_AT[b.step]);", "start = Math.min(start, STEP_AT[b.step] + 1);",
            "incremental marking reuses the memo for the changed box's own step: stale verdict"),
    "C17": (JS, "return zero && g * D < -last - 1e-9 ? 0 : Math.pow(G.base, g);",
            "return zero && g * D < -last - 1e-9 ? 0 : Math.pow(G.base, v);",
            "readPower does not snap the exponent to the table's grid"),
    "C18": (JS, 'case "positive": return each(x, function (v) { return v > 0 ? 1 : 0; });',
            'case "positive": return each(x, function (v) { return v >= 0 ? 1 : 0; });',
            "page positive(0) is 1"),
    # ---- D: variants.py -----------------------------------------------------------------
    "D1": (V, "if np.any(np.abs(v[np.isfinite(v)]) >= 100):", "if np.any(np.abs(v[np.isfinite(v)]) >= 1000):",
           "problems(): a number of 3 digits before the point is accepted in a box"),
    "D2": (V, "if tiny.mean() > 0.25 or np.abs(v).max() < 0.05:", "if tiny.mean() > 0.25:",
           "problems(): a gradient box whose largest entry is below 0.05 is accepted"),
    "D3": (V, "np.min(np.diagonal(np.asarray(st.value))) < 0.02", "np.max(np.diagonal(np.asarray(st.value))) < 0.02",
           "problems(): own-positive probability below 0.02 accepted unless all are"),
    "D4": (V, 'if local == "F" and np.any(np.isclose(st.value, 0, rtol=0, atol=1e-9)):',
           'if local == "F" and np.all(np.isclose(st.value, 0, rtol=0, atol=1e-9)):',
           "problems(): a ReLU input exactly 0 accepted unless all are"),
    "D5": (V, "if seen.size > 1 and np.ptp(seen) < 1e-12:", "if seen.size > 2 and np.ptp(seen) < 1e-12:",
           "uniform attention over exactly two words is not flagged"),
    "D6": (V, "MAX_SHARED = 0.2 ", "MAX_SHARED = 0.5 ",
           "kept variants may share half their boxes (docs: at most a fifth)"),
    "D7": (V, "return own & strict", "return own",
           "_own_best accepts a tie for best match (not strict)"),
    "D8": (V, "whole = (np.isclose(x, np.round(x), rtol=0, atol=1e-9) & (x > LOWEST_POWER - 0.5)).all(axis=(-1, -2))",
           "whole = (np.isclose(x, np.round(x), rtol=0, atol=1e-9) & (x > LOWEST_POWER - 1.5)).all(axis=(-1, -2))",
           "InfoNCE exponents may reach -5, off the sheet's table of powers"),
    "D9": (V, "return (t[:, 0] >= TOWARD) & (t[:, 1:] <= -TOWARD).all(axis=-1)",
           "return (t[:, 0] >= TOWARD) & (t[:, 1:] <= TOWARD).all(axis=-1)",
           "lesson check: anchor 1 need not move away from the other positives"),
    "D10": (V, "dA = (P_hat @ np.swapaxes(dS, -1, -2) - A / nA * along[:, None, :]) / nA",
            "dA = (P_hat @ np.swapaxes(dS, -1, -2) + A / nA * along[:, None, :]) / nA",
            "toward(): sign error in the normalisation's gradient term"),
    "D11": (V, "and not uniform and not alike and", "and not uniform and",
            "easy_attention: two queries attending alike accepted (README rule)"),
    "D12": (V, "signed = M * np.where(first < 0, -1.0, 1.0)[:, None]", "signed = M",
            "rows_apart: opposite rows accepted"),
    # D13 as audited; the rule now lives in variants.step_lowers, where the same slip is:
    "D13": (V, "    if not (after < before).all():", "    if not (after < before).any():",
            "fine-tune lesson: the step need lower the loss at only one width"),
    "D14": (V, "        return data.copy()\n", "        return data\n",
            "make(): the caller gets the cached arrays, not a copy (mutation corrupts later calls)"),
    "D15": (V, "if np.abs(X).max() > 3 or n4.max() > 100 or", "if np.abs(X).max() > 3 or n4.max() > 144 or",
            "head: squared lengths up to 144, beyond the page's table of square roots (up to 100)"),
    "D16": (V, "key = (not COSINE[0] <= cos <= COSINE[1], -len(words & set(text.split())))",
            "key = (not COSINE[0] <= cos <= COSINE[1], len(words & set(text.split())))",
            "other_sentence picks the one sharing the fewest words, not the most"),
}


def text_of(path):
    return (ROOT / path).read_text(encoding="utf-8")


def check_all():
    bad = []
    for k, (path, old, new, _) in MUTATIONS.items():
        n = text_of(path).count(old)
        if n != 1:
            bad.append(f"{k}: old text found {n} times in {path}")
        if old == new:
            bad.append(f"{k}: old == new")
    return bad


def apply(k):
    path, old, new, _ = MUTATIONS[k]
    text = text_of(path)
    n = text.count(old)
    if n != 1:
        sys.exit(f"{k}: refusing: old text found {n} times in {path}")
    (ROOT / path).write_text(text.replace(old, new), encoding="utf-8")
    print(f"{k}: applied to {path}")


def md():
    out = ["# Mutations (chosen before reading tests/)", "",
           "Each is applied alone by `python mutate.py ID`; `git checkout -- aibyhand` restores.",
           "The old text occurs exactly once in its file (`python mutate.py --check`).", ""]
    area = None
    names = {"A": "A: aibyhand/formula.py", "B": "B: aibyhand/classroom/check.py (+ spelling.py, names.py)",
             "C": "C: aibyhand/classroom/page.js", "D": "D: aibyhand/classroom/variants.py"}
    for k, (path, old, new, what) in MUTATIONS.items():
        if k[0] != area:
            area = k[0]
            out += ["", f"## {names[area]}", ""]
        text = text_of(path)
        line = text[:text.index(old)].count("\n") + 1 + (old[:len(old) - len(old.lstrip("\n"))].count("\n"))
        out.append(f"### {k}  `{path}:{line}`")
        out.append(f"- breaks: {what}")
        out.append("- old:")
        out.append("```")
        out.append(old.rstrip("\n"))
        out.append("```")
        out.append("- new:")
        out.append("```")
        out.append(new.rstrip("\n"))
        out.append("```")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    if sys.argv[1:] == ["--md"]:
        print(md())
    elif sys.argv[1:] == ["--check"]:
        problems = check_all()
        print("\n".join(problems) or f"all {len(MUTATIONS)} mutations: old text found exactly once")
        sys.exit(1 if problems else 0)
    elif len(sys.argv) == 2 and sys.argv[1] in MUTATIONS:
        apply(sys.argv[1])
    else:
        sys.exit(f"usage: python mutate.py ID|--md|--check  (ids: {' '.join(MUTATIONS)})")
