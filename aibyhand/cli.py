"""The ``aibyhand`` command: list, show, sheet, check (and bench).

Errors in what the user gave (an unknown worksheet, a malformed data file) print one
line and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import catalog, check
from .worksheet import WorksheetError, to_toml


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aibyhand", description=(
        "The math of embedding models by hand: worksheets, printouts, answer keys."))
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="the worksheets, one line each")
    show = sub.add_parser("show", help="print a worksheet step by step")
    show.add_argument("name", metavar="NAME", help=", ".join(catalog.WORKSHEETS))
    _data_args(show)
    show.add_argument("--step", action="append", metavar="STEP",
                      help="print only this step (repeatable; 'm=4 / ' prints a whole level)")
    show.add_argument("--decimals", type=int, metavar="N",
                      help="fixed N decimals instead of the worksheet's fractions and 2 decimals")
    show.add_argument("--save", metavar="FILE",
                      help="also write these numbers as a worksheet file (to edit, then --data FILE)")
    sheet = sub.add_parser("sheet", help="a printable worksheet (.pdf or .png), blank or the key")
    sheet.add_argument("name", metavar="NAME", help=", ".join(catalog.WORKSHEETS))
    _data_args(sheet)
    sheet.add_argument("--key", action="store_true", help="fill in every box: the answer key")
    sheet.add_argument("-o", "--output", metavar="FILE",
                       help="where to write: .pdf (all pages) or .png (one file per page)")
    sheet.add_argument("--answers-template", action="store_true",
                       help="instead, print (or write to -o FILE) an answers file to fill in")
    sub.add_parser("bench", help="time one EmbeddingGemma-sized head step: ours, the floor, torch",
                   add_help=False)
    check = sub.add_parser("check", help="check a student's answers file cell by cell")
    check.add_argument("name", metavar="NAME", help=", ".join(catalog.WORKSHEETS))
    check.add_argument("answers", metavar="ANSWERS.toml")
    _data_args(check)
    return p


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="FILE", help="a worksheet file with other numbers")
    p.add_argument("--seed", type=int, metavar="N",
                   help="a fresh variant: new small integers (N >= 0; the same N, the same sheet)")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # its own options, see aibyhand bench --help
        from . import bench

        return bench.main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # the reader (| head) stopped early: not an error of ours
        sys.stdout = open(os.devnull, "w")
        return 0
    except OSError as err:  # a file that cannot be written or read
        print(f"aibyhand {args.command}: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return 2
    except (WorksheetError, ValueError, TypeError, KeyError) as err:
        msg = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"aibyhand {args.command}: {msg}", file=sys.stderr)
        return 2


def _list(args) -> int:
    width = max(len(n) for n in catalog.WORKSHEETS)
    for ws in catalog.WORKSHEETS.values():
        print(f"{ws.name:<{width}}  {ws.number}. {ws.title}: {ws.teaches}")
    return 0


def _load(args, seed=None):
    """The worksheet and its numbers, and a name for where the numbers came from."""
    ws = catalog.get(args.name)
    seed = args.seed if seed is None else seed
    if seed is not None and seed < 0:
        raise ValueError(f"--seed: expected an integer >= 0, got {seed}")
    data = ws.load(args.data, seed)
    source = f"--seed {seed}" if seed is not None else str(args.data or ws.path)
    return ws, data, source


def _parts(ws, data, source):
    """Run the worksheet; a value its module rejects is reported against the data's source."""
    try:
        return ws.run(data)
    except (ValueError, TypeError) as err:
        raise WorksheetError(f"{source}: {err}") from None


def _sheet(args) -> int:
    ws, data, source = _load(args)
    parts = _parts(ws, data, source)  # a bad value: one line, before any drawing
    if args.answers_template:
        text = check.template(ws.join(parts, sheet=True), worksheet=ws.name, seed=args.seed)
        if args.output:
            if Path(args.output).exists():
                raise ValueError(f"-o {args.output}: the file exists (answers in it?); choose another "
                                 f"name or remove it first")
            Path(args.output).write_text(text)
            print(f"wrote {args.output}")
        else:
            print(text, end="")
        return 0
    if not args.output:
        raise ValueError("-o FILE: expected where to write the sheet (.pdf or .png)")
    from . import sheet

    label = (f"variant --seed {args.seed}" if args.seed is not None
             else f"numbers from {Path(args.data).name if args.data else ws.path.name}")
    figs, _ = sheet.worksheet_pages(ws, data, key=args.key, source=label, parts=parts)
    for path in sheet.save(figs, args.output):
        print(f"wrote {path}")
    return 0


def _check(args) -> int:
    answers = check.read_answers(args.answers)
    made_for = answers.pop("worksheet", None)
    if made_for is not None and made_for != args.name:
        raise WorksheetError(f"{args.answers}: these answers are for worksheet {made_for!r}, not "
                             f"{args.name!r}: aibyhand check {made_for} {args.answers}")
    seed = answers.pop("seed", None)
    if seed is not None and args.seed is not None and seed != args.seed:
        raise WorksheetError(f"{args.answers}: these answers are for --seed {seed}, not --seed {args.seed}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise WorksheetError(f"{args.answers}: seed: expected an integer, got {seed!r}")
    ws, data, source = _load(args, seed)
    report = check.check(ws.join(_parts(ws, data, source), sheet=True), answers, where=args.answers)
    print(report.format())
    return 0 if report.ok else 1


def _show(args) -> int:
    ws, data, source = _load(args)
    if args.decimals is not None and not 0 <= args.decimals <= 17:
        raise ValueError(f"--decimals: expected 0 to 17, got {args.decimals}")
    hand = args.decimals is None
    decimals = 4 if hand else args.decimals
    parts = _parts(ws, data, source)
    if args.save:
        if Path(args.save).exists():
            raise ValueError(f"--save {args.save}: the file exists; choose another name")
        Path(args.save).write_text(to_toml(data, f"Worksheet {ws.number}: {ws.title} ({source})"))
    if args.step:
        print(ws.join(parts).format(args.step, hand=hand, decimals=decimals))
        return 0
    print("\n\n".join(part.format(hand=hand, decimals=decimals) for part in parts))
    if ws.summary is not None:
        print("\n" + ws.summary(parts))
    return 0


COMMANDS = {"list": _list, "show": _show, "sheet": _sheet, "check": _check}
