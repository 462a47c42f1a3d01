"""The ``aibyhand`` command: list, show, sheet, class, check, bench.

Exit codes: 0 when all is well, 1 when ``check`` finds a wrong box, 2 for anything the
user must fix (an unknown worksheet, a malformed file, a file that cannot be written),
always with one line on stderr and never a traceback. A closed pipe (``| head``) does not
change the exit code.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from fractions import Fraction
from pathlib import Path

from . import output
from .arguments import Parser
from .classroom import catalog, check, classview, layout, names
from .classroom.worksheet import MAX_BYTES, MAX_SEED, WorksheetError, to_toml


SHEET_SUFFIXES = (".pdf", ".png", ".html", ".toml")
CHECK_EXIT = """exit codes:
  0  every file was read and no box is wrong
  1  a box is wrong, or a box cannot be read (the rest of its file is still checked)
  2  a file cannot be read at all (the others are still checked), or the command line
     must change"""


class UsageError(ValueError):
    """Something on the command line the user must change; one line."""


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="aibyhand", description=(
        "The math of embedding models by hand: worksheets, printouts, answer keys, checking."))
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="the worksheets, one line each")
    show = sub.add_parser("show", help="print a worksheet step by step")
    show.add_argument("name", metavar="NAME", help=", ".join(catalog.WORKSHEETS))
    _data_args(show)
    show.add_argument("--sheet", action="store_true",
                      help="only what the printed sheet asks, page by page (every box, with its givens)")
    show.add_argument("--step", action="append", metavar="STEP",
                      help="print only this step (repeatable; 'm=4 / ' prints a whole level)")
    show.add_argument("--decimals", type=int, metavar="N",
                      help="fixed N decimals (0 to 17) instead of the worksheet's fractions and 2 decimals")
    show.add_argument("--save", metavar="FILE",
                      help="also write these numbers as a worksheet file, FILE.toml (to edit, then --data FILE)")
    sheet = sub.add_parser("sheet", help="a printable sheet (.pdf, .png), its web page (.html), or "
                                         "its key as an answers file (.toml)")
    sheet.add_argument("name", metavar="NAME", help=", ".join(catalog.WORKSHEETS))
    _data_args(sheet)
    sheet.add_argument("--key", action="store_true", help="fill in every box: the answer key")
    sheet.add_argument("-o", "--output", metavar="FILE",
                       help=".pdf (all pages), .png (one file per page), .html (the interactive "
                            "page), or with --key .toml (the key as an answers file)")
    sheet.add_argument("--paper", choices=("a4", "letter"), default="a4",
                       help="the paper a .pdf or .png is drawn for: a4 (595 x 842 pt, the default) or "
                            "letter (612 x 792 pt)")
    sheet.add_argument("--answers-template", action="store_true",
                       help="instead, print (or write to -o FILE.toml) a blank answers file")
    sheet.add_argument("--stats", action="store_true",
                       help="instead, print pages, boxes, hand operations by kind, the hard ones, "
                            "and about how many minutes the sheet takes (with the model)")
    sub.add_parser("bench", help="time one EmbeddingGemma-sized head step: ours, the floor, torch",
                   add_help=False)
    cls = sub.add_parser("class", help="a class set: each student of a roster gets a variant of their own, "
                                       "on paper and as a web page, with a key and an answers file")
    cls.add_argument("name", metavar="NAME", help=", ".join(catalog.WORKSHEETS))
    cls.add_argument("roster", metavar="ROSTER", help="a text file with one name per line, or a .csv with "
                                                      "a 'name' column and optionally 'id'")
    cls.add_argument("-o", "--output", metavar="DIR", required=True,
                     help="the folder to write (run again to remake a lost sheet)")
    cls.add_argument("--paper", choices=("a4", "letter"), help="the paper size of the sheets (a4 unless given)")
    chk = sub.add_parser("check", help="check answers files box by box (several files: one line per student)",
                         formatter_class=argparse.RawDescriptionHelpFormatter, epilog=CHECK_EXIT)
    chk.add_argument("name", metavar="NAME", help=", ".join(catalog.WORKSHEETS))
    chk.add_argument("answers", metavar="ANSWERS.toml", nargs="+")
    _data_args(chk)
    chk.add_argument("--json", action="store_true",
                     help="a JSON list, one object per file: student, id, seed, file, score, right, "
                          "follow_through, wrong, unreadable, unchecked (lists of boxes), first_wrong, "
                          "last_page, reasons, error (why a file cannot be read, else null)")
    chk.add_argument("--reveal", action="store_true", help="also print the expected value of a wrong box")
    chk.add_argument("--plot", metavar="FILE.png", help="draw students x the sheet's matrices (right, "
                                                        "follow-through, wrong, not done) and what "
                                                        "the class missed most")
    chk.add_argument("--csv", metavar="FILE.csv", help="write a gradebook: student, id, seed, score, a "
                                                       "score per page, first wrong ...")
    return p


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="FILE", help="a worksheet file with other numbers")
    p.add_argument("--seed", type=_seed, metavar="N",
                   help="a fresh variant: new small integers (N from 0 to 999,999,999; the same N, "
                        "the same sheet; 0 is the worksheet file; 1-31 are ready at once, a larger "
                        "N is searched for, up to a minute or two)")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # its own options, see aibyhand bench --help
        from . import bench

        return bench.main(argv[1:])
    args = _parser().parse_args(argv)
    if sys.stdout is None:  # started with stdout closed (>&-): nowhere to print a result
        _fail(args.command, "no standard output to print to (was it closed?)")
        return 2
    _VERDICT[0] = None
    code = 2
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader (| head) stopped early: keep the verdict's code
        _silence_stdout()
        code = _VERDICT[0] if _VERDICT[0] is not None else 0
    except OSError as err:
        _fail(args.command, _os_message(err))
    except (WorksheetError, UsageError, ValueError, TypeError, KeyError, RecursionError) as err:
        msg = err.args[0] if isinstance(err, KeyError) and err.args else err
        _fail(args.command, printable(str(msg)) or type(err).__name__)
    return code


_VERDICT: list = [None]   # the exit code a command has decided on before it prints


def _decided(code: int) -> int:
    _VERDICT[0] = code
    return code


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def _os_message(err: OSError) -> str:
    if err.filename:
        return f"{err.filename}: {err.strerror or err}"
    return f"cannot write the output ({err.strerror or err})"


def printable(text: str) -> str:
    """``text`` on one line for a terminal: a line break, an escape sequence or a byte that
    was not UTF-8 (in a file name) written as its escape (``\\n``, ``\\x1b``, ``\\udcff``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _seed(text: str) -> int:
    """``--seed``'s value as an integer (the range is checked where it is used)."""
    try:
        return int(text)
    except ValueError:
        shown = text if len(text) <= 20 else text[:17] + "..."
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to {MAX_SEED:,}, got "
                                         f"{shown!r}") from None


def _fail(command: str, message: str) -> None:
    message = printable(message)
    try:
        print(f"aibyhand {command}: {message}", file=sys.stderr)
    except OSError:
        pass


def _list(args) -> int:
    width = max(len(n) for n in catalog.WORKSHEETS)
    for ws in catalog.WORKSHEETS.values():
        print(f"{ws.name:<{width}}  {ws.number}. {ws.title}: {ws.teaches}")
    return 0


def _load(args, seed=None, seed_from: str = "--seed"):
    """The worksheet, its numbers, and where the numbers came from (for messages)."""
    ws = catalog.get(args.name)
    seed = args.seed if seed is None else seed
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UsageError(f"{seed_from}: expected an integer from 0 to {MAX_SEED:,}, got {_int(seed)}")
    if seed is not None and args.data:
        raise UsageError("--data and a seed: give one of them")
    data = ws.load(args.data, seed)
    source = (f"{seed_from} {seed}" if seed is not None else str(args.data or ws.path))
    return ws, data, source


def _int(n: int) -> str:
    """An integer for a message: itself, or its length when it is long."""
    return str(n) if abs(n) < 10**15 else f"a number of {len(str(abs(n))) if abs(n) < 10**4000 else 'over 4000'} digits"


def _parts(ws, data, source):
    """Run the worksheet; a value its module rejects is reported against the data's source."""
    try:
        return ws.run(data)
    except (ValueError, TypeError) as err:
        raise WorksheetError(f"{source}: {err}") from None


def _sheet(args) -> int:
    if args.stats:
        return _stats(args)
    out = args.output
    if args.answers_template and args.key:
        raise UsageError("--key: --answers-template writes a blank answers file; for the key as an "
                         "answers file use --key -o FILE.toml")
    if args.answers_template:
        out = out and output.check(out, suffixes=(".toml",), exist_ok=False)
    elif out is None:
        raise UsageError("-o FILE: expected where to write (.pdf, .png, .html, or .toml with --key)")
    else:
        out = output.check(out, suffixes=SHEET_SUFFIXES)
    ws, data, source = _load(args)
    parts = _parts(ws, data, source)  # a bad value: one line, before any drawing
    steps = ws.join(parts)
    if args.answers_template:
        text = check.template(ws.sheet, steps, worksheet=ws.name, seed=args.seed, data=args.data)
        return _write_text(out, _readable(text, source, "the answers file"), exist_ok=False)
    label = (f"--seed {args.seed}" if args.seed is not None
             else f"numbers: {Path(args.data).name}" if args.data else "--seed 0")
    suffix = out.suffix.lower()
    if suffix == ".toml":
        if not args.key:
            raise UsageError("-o FILE.toml writes the key as an answers file: add --key (or use "
                             "--answers-template for a blank one)")
        return _write_text(out, _readable(key_answers(ws, steps, args.seed, args.data), source, "the key"))
    if suffix == ".html":
        if args.key:
            raise UsageError("--key: the web page checks answers as they are typed; it has no key")
        from .classroom import page

        return _write_text(out, page.render(ws, data, source=label, parts=parts, seed=args.seed, data_file=args.data))
    from .classroom import sheet

    try:
        figs, _ = sheet.worksheet_pages(ws, data, key=args.key, source=label, parts=parts, paper=args.paper)
    except sheet.SheetError as err:
        raise WorksheetError(f"{source}: {err}") from None
    for path in sheet.save(figs, out):
        print(f"wrote {printable(str(path))}")
    return 0


def _stats(args) -> int:
    if args.output or args.key or args.answers_template:
        raise UsageError("--stats prints to the terminal: leave out -o, --key and --answers-template")
    from .classroom import stats

    ws, data, source = _load(args)
    steps = ws.join(_parts(ws, data, source))
    label = (f"seed {args.seed}" if args.seed is not None
             else f"numbers: {Path(args.data).name}" if args.data else "seed 0")
    print(stats.format_stats(stats.measure(ws, data, source=label, steps=steps)))
    return 0


def _readable(text: str, source: str, what: str) -> str:
    """An answers file ``check`` will read back: no larger than it reads."""
    size = len(text.encode())
    if size > MAX_BYTES:
        raise UsageError(f"{source}: {what} would be {size // 1024} KB, more than an answers file "
                         f"may be ({MAX_BYTES // 1024} KB); expected a smaller worksheet")
    return text


def _write_text(out: Path | None, text: str, exist_ok: bool = True) -> int:
    if out is None:
        print(text, end="")
        return 0
    written = output.write(out, text, suffixes=(out.suffix.lower(),), exist_ok=exist_ok)
    print(f"wrote {printable(str(written))}")
    return 0


def key_answers(ws, steps, seed=None, data=None) -> str:
    """The answer key as a filled answers file: exact fractions as strings where a value
    is one, otherwise 6 decimals."""
    text = check.template(ws.sheet, steps, worksheet=ws.name, seed=seed, data=data)
    values = {}
    for it in ws.sheet.boxes():
        value, _, _ = layout.shown(it, steps)
        ask = layout.mask_of(it, steps)
        words = layout.words(it, steps)
        values[it.name] = [[_exact(v, words) if ask[r, c] else "-" for c, v in enumerate(row)]
                           for r, row in enumerate(value)]
    lines, out = text.splitlines(), []
    i = 0
    while i < len(lines):
        line = lines[i]
        key = line.split(" = ", 1)[0] if " = " in line and not line.startswith("#") else None
        name = json.loads(key) if key and key.startswith('"') else key
        if name == "student":
            i += 1
            continue
        if name in values:
            cells = values[name]
            if line.endswith(" = \"\""):
                out.append(f"{key} = {json.dumps(cells[0][0])}")
            else:
                out.append(f"{key} = [")
                out += ["  [" + ", ".join(json.dumps(c) for c in row) + "]," for row in cells]
                out.append("]")
                i += len(cells) + 1
            i += 1
            continue
        out.append(line.replace('fill each "" with your value', "the answer key").replace(
            "# answers for:", "# answer key for:"))
        i += 1
    return "\n".join(out) + "\n"


def _exact(v: float, words=()) -> str:
    if words:
        return layout.cell_text(v, words)
    if not math.isfinite(v):
        return "inf" if v > 0 else "-inf"
    f = Fraction(v).limit_denominator(1000)
    if abs(float(f) - v) <= 1e-12 * max(1.0, abs(v)):
        return str(f)
    return f"{v:.6f}"


def _check(args) -> int:
    if args.plot:
        output.check(args.plot, flag="--plot", suffixes=(".png",))
    if args.csv:
        output.check(args.csv, flag="--csv", suffixes=(".csv",))
    for flag, out in (("--plot", args.plot), ("--csv", args.csv)):
        if out and _same_file(out, args.answers):
            raise UsageError(f"{flag} {out}: is one of the answers files being checked; expected "
                             f"another name (it would be overwritten)")
    hand_ins = [_hand_in(args, path) for path in _distinct_files(args.answers)]
    bad = any(h.report is None for h in hand_ins)
    ok = all(h.report.ok for h in hand_ins if h.report is not None)
    code = _decided(2 if bad else 0 if ok else 1)
    if args.json:
        print(classview.json_text(hand_ins))
    elif len(hand_ins) == 1 and not bad:
        print(hand_ins[0].report.format(reveal=args.reveal))
    else:
        print(classview.summary(hand_ins))
    for h in hand_ins:
        if h.error:
            _fail("check", h.error)
    wrote = []
    if args.csv:
        wrote.append(output.write(args.csv, classview.csv_bytes(hand_ins), flag="--csv", suffixes=(".csv",)))
    if args.plot:
        from . import plots

        fig = classview.plot(hand_ins, title=args.name)
        wrote.append(output.write(args.plot, plots.png(fig), flag="--plot", suffixes=(".png",)))
    if not args.json:
        for path in wrote:
            print(f"wrote {printable(str(path))}")
    return code


def _same_file(path: str, paths) -> bool:
    """Whether ``path`` is one of ``paths`` (however each was reached)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    for other in paths:
        try:
            if os.path.samestat(info, os.stat(other)):
                return True
        except OSError:
            pass
    return False


def _distinct_files(paths) -> list[str]:
    """The files in the order given, each once, however it was reached (``x``, ``./x``,
    its absolute path, a link to it)."""
    seen, out = set(), []
    for path in paths:
        try:
            info = os.stat(path)
            key = (info.st_dev, info.st_ino)
        except OSError:
            key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


_STEPS: dict = {}


def _hand_in(args, path: str) -> "classview.HandIn":
    """One answers file, marked; or why it cannot be read at all."""
    h = classview.HandIn(path)
    try:
        answers = check.read_answers(path)
        h.student = check.student_of(answers, path)
        h.id = check.student_of(answers, path, key="id")
        ws, data, source = _answers_sheet(args, path, answers)
        h.seed = answers.get("seed")
        key = (ws.name, source)
        if key not in _STEPS:
            _STEPS.clear()   # one variant at a time: a class of 300 holds one Steps
            _STEPS[key] = ws.join(_parts(ws, data, source))
        h.report = check.check(ws.sheet, _STEPS[key], answers, where=path)
    except WorksheetError as err:
        h.error = str(err)
    return h


def _answers_sheet(args, path, answers):
    """The worksheet and numbers an answers file was made for (its seed, or the
    command line's ``--seed`` / ``--data``)."""
    made_for = answers.get("worksheet")
    if made_for is not None and (not isinstance(made_for, str) or made_for not in catalog.WORKSHEETS):
        raise WorksheetError(f"{path}: worksheet: expected one of {', '.join(catalog.WORKSHEETS)}, got "
                             f"{names.shown(str(made_for)[:40])!r}")
    if made_for is not None and made_for != args.name:
        made_for = names.shown(str(made_for))
        raise WorksheetError(f"{path}: these answers are for worksheet {made_for!r}, not "
                             f"{args.name!r}: aibyhand check {made_for} {path}")
    seed = answers.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise WorksheetError(f"{path}: seed: expected an integer, got {seed!r}")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise WorksheetError(f"{path}: seed: expected an integer from 0 to {MAX_SEED:,}, got {_int(seed)}")
    if seed is not None and args.seed is not None and seed != args.seed:
        raise WorksheetError(f"{path}: these answers are for --seed {seed}, not --seed {args.seed}")
    if seed is not None and args.data:
        raise WorksheetError(f"{path}: these answers are for seed {seed}, not the numbers in {args.data}")
    try:
        return _load(args, seed, seed_from=f"the seed in {path}")
    except UsageError as err:
        raise WorksheetError(str(err)) from None


def _show(args) -> int:
    if args.sheet and args.step:
        raise UsageError("--step: --sheet prints every page whole; give --sheet or --step, not both")
    if args.save:
        output.check(args.save, flag="--save", suffixes=(".toml",), exist_ok=False)
    ws, data, source = _load(args)
    if args.decimals is not None and not 0 <= args.decimals <= 17:
        raise UsageError(f"--decimals: expected 0 to 17, got {args.decimals}")
    hand = args.decimals is None
    decimals = 4 if hand else args.decimals
    parts = _parts(ws, data, source)
    if args.save:
        output.write(args.save, to_toml(data, f"Worksheet {ws.number}: {ws.title} ({source})"),
                     flag="--save", suffixes=(".toml",), exist_ok=False)
    steps = ws.join(parts)
    if args.sheet:
        from .classroom import printout

        print(printout.sheet_text(ws.sheet, steps, hand=hand, decimals=decimals))
        return 0
    if args.step:
        print(steps.format(args.step, hand=hand, decimals=decimals))
        return 0
    print("\n\n".join(part.format(hand=hand, decimals=decimals) for part in parts))
    if ws.summary is not None:
        print("\n" + ws.summary(parts))
    return 0


def _class_set(args) -> int:
    from .classroom import classset

    catalog.get(args.name)
    if not args.output:
        raise UsageError("-o DIR: expected the folder to write, got ''")
    made = classset.make(args.name, args.roster, args.output, paper=args.paper)
    n = len(made.students)
    out = made.folder
    print(f"wrote {out}: {n} student{'s' if n != 1 else ''}, each in {out / 'students'} (sheet, web page, "
          f"answers file) with a key in {out / 'keys'}; {out / 'all-sheets.pdf'}, {out / 'all-keys.pdf'}, "
          f"{out / 'roster.toml'}")
    moved = sum(bool(s.moved) and not s.shares for s in made.students)
    if moved:   # each one's reasons are in roster.toml: 60 lines of them would hide what matters
        print(f"  {moved} of {n} students passed over a seed or more of their own to stay apart from the "
              f"class (how many and why: 'moved' and 'why' in {out / 'roster.toml'})")
    for s in made.students:
        if s.shares:
            print(f"  {names.shown(s.name)}: seed {s.seed}, NOT kept apart: it shares {s.shares} ({s.why})")
    near = sum(bool(s.shares) for s in made.students)
    if near:
        print(f"aibyhand class: {near} of {n} students could not be kept apart from every other student "
              f"({args.name} has too few variants for a class this size; {out / 'roster.toml'} lists "
              f"with whom each shares): smaller class sets keep everyone apart", file=sys.stderr)
    for path in made.kept:
        print(f"  kept {path}: it is not a blank answers file (answers in it?)")
    return 0


COMMANDS = {"list": _list, "show": _show, "sheet": _sheet, "check": _check, "class": _class_set}
