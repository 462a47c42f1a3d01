"""Regenerate what the repository commits: worksheet files, sheets, executed notebooks.

    python -m aibyhand.classroom.build              # worksheets, sheets, notebooks
    python -m aibyhand.classroom.build worksheets   # worksheets/NN_name.toml: each --seed 0
    python -m aibyhand.classroom.build sheets       # worksheets/NN_name.pdf, NN_name_key.pdf, previews
    python -m aibyhand.classroom.build notebooks    # notebooks/NN_name.ipynb from notebooks/NN_name.py
    python -m aibyhand.classroom.build --check      # write nothing; exit 1 and name what is stale
    python -m aibyhand.classroom.build variants     # worksheets/variants.toml (slow: minutes)

Worksheet files are the variant generators' seed 0; ``variants.toml`` records which draw
each seed 0-31 takes so that they are far apart (it changes only with the generators).
Notebooks are written from their jupytext percent-format sources, executed top to
bottom in a fresh kernel of this Python, with fixed cell ids and metadata; sheets are
drawn from the worksheet files with fixed PDF and PNG metadata. The same sources always
give the same bytes. Notebooks need the ``test`` extra (jupytext, nbclient, ipykernel).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .worksheet import WORKSHEETS

NOTEBOOKS = WORKSHEETS.parent / "notebooks"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def notebook_sources() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def execute_notebook(source: Path, timeout: int = 600) -> str:
    """The ``.ipynb`` text for a percent-format source, executed in a fresh kernel."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.reads(source.read_text(), fmt="py:percent")
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:02d}"
        cell.metadata = {}
    client = NotebookClient(nb, timeout=timeout, record_timing=False, allow_errors=False,
                            km=_current_env_kernel(), resources={"metadata": {"path": str(NOTEBOOKS)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    client.execute()
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _coalesce(cell.outputs)
    return nbformat.writes(nb) + "\n"


def _current_env_kernel():
    """A kernel of the running Python, whatever kernels Jupyter has installed."""
    import ipykernel.kernelspec
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    class CurrentEnv(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())

    return KernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnv())


def _coalesce(outputs: list) -> list:
    """Join consecutive stream outputs: how a print is split into messages is timing."""
    out = []
    for o in outputs:
        if o.output_type == "stream" and out and out[-1].output_type == "stream" \
                and out[-1].name == o.name:
            out[-1].text += o.text
        else:
            out.append(o)
    return out


def stale_notebooks(sources: list[Path] | None = None, write: bool = False,
                    jobs: int = 2, seconds: dict | None = None) -> list[str]:
    """Regenerate notebooks; return the names whose committed file differs.

    ``seconds``, if given, receives each notebook's execution time (kernel start included).
    """
    sources = notebook_sources() if sources is None else sources

    def timed(source):
        start = time.perf_counter()
        text = execute_notebook(source)
        if seconds is not None:
            seconds[source.stem] = time.perf_counter() - start
        return text

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        texts = list(pool.map(timed, sources))
    stale = []
    for source, text in zip(sources, texts):
        target = source.with_suffix(".ipynb")
        if not target.exists() or target.read_text() != text:
            stale.append(target.name)
            if write:
                target.write_text(text)
    return stale


PREVIEWS = (("infonce", True, 1), ("mrl", False, 1))  # sheet pages the README shows as images


def sheet_renders() -> list[tuple[Path, bytes, str, bool, list]]:
    """Every committed sheet file as the worksheet files draw it now:
    ``(path, bytes, worksheet name, key?, cells drawn)``."""
    import io

    from . import catalog, sheet

    out = []
    for ws in catalog.WORKSHEETS.values():
        stem = ws.path.with_suffix("")
        data = ws.load()
        parts = ws.run(data)
        for key in (False, True):
            figs, drawn = sheet.worksheet_pages(ws, data, key=key, source="--seed 0",
                                                parts=parts)
            pdf = io.BytesIO()
            sheet.save_pdf(figs, pdf)
            name = stem.name + ("_key" if key else "")
            out.append((stem.with_name(name + ".pdf"), pdf.getvalue(), ws.name, key, drawn))
            for preview, key_, page in PREVIEWS:
                if (ws.name, key) == (preview, key_):
                    png = io.BytesIO()
                    figs[page - 1].savefig(png, **sheet.PNG_OPTIONS)
                    out.append((stem.with_name(f"{name}-{page}.png"), png.getvalue(), ws.name, key, drawn))
            sheet.close(figs)
    return out


def stale_sheets(write: bool = False, renders=None) -> list[str]:
    """Regenerate the sheets; return the names whose committed file differs."""
    stale = []
    for path, data, *_ in renders or sheet_renders():
        if not path.exists() or path.read_bytes() != data:
            stale.append(path.name)
            if write:
                path.write_bytes(data)
    return stale


def worksheet_texts() -> list[tuple[Path, str]]:
    """Each worksheet file as its generator's seed 0 writes it."""
    from . import catalog, variants
    from .worksheet import to_toml

    return [(ws.path, to_toml(variants.make(ws.name, 0), f"Worksheet {ws.number}: {ws.title}\n"
                              f"{ws.teaches}.\nThese are the numbers of --seed 0; written by "
                              f"python -m aibyhand.classroom.build worksheets."))
            for ws in catalog.WORKSHEETS.values()]


def stale_worksheets(write: bool = False) -> list[str]:
    stale = []
    for path, text in worksheet_texts():
        if not path.exists() or path.read_text() != text:
            stale.append(path.name)
            if write:
                path.write_text(text)
    return stale


def write_variants_index(index: dict | None = None) -> Path:
    """Choose every seed's draw anew (``index`` None: tens of minutes) and write
    ``worksheets/variants.toml``: the draws, and where each kept draw's random numbers
    begin (so that a seed replays in one draw)."""
    from . import variants

    index = variants.choose() if index is None else index
    begin = variants.starts_of(index)
    lines = ["# Which draw each seed 0-31 of each worksheet takes, so that no two of them share",
             "# their final loss or more than a fifth of their boxes; [start]: the random state",
             "# each kept draw begins from. Written by python -m aibyhand.classroom.build variants", ""]
    lines += [f"{k} = [{', '.join(map(str, v))}]" for k, v in index.items()]
    lines += ["", f"[{variants.STARTS}]"]
    lines += [f"{k} = [\n" + "".join(f'  "{x}",\n' for x in v) + "]" for k, v in begin.items()]
    path = WORKSHEETS / variants.INDEX
    path.write_text("\n".join(lines) + "\n")
    variants.reload_index()
    return path


WHAT = ("worksheets", "sheets", "notebooks")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m aibyhand.classroom.build", description=__doc__.split("\n")[0])
    p.add_argument("what", nargs="*", metavar="|".join(WHAT + ("variants",)),
                   help="what to regenerate (default: worksheets, sheets, notebooks)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything is stale")
    args = p.parse_args(argv)
    what = set(args.what) or set(WHAT)
    unknown = what - set(WHAT) - {"variants"}
    if unknown:
        p.error(f"what: expected {', '.join(WHAT)} or variants, got {', '.join(sorted(unknown))}")
    if "variants" in what:
        if args.check:
            p.error("variants: --check is not offered (choosing takes minutes); the tests check the seeds")
        print(f"wrote: {write_variants_index()}")
    stale = []
    if "worksheets" in what:
        stale += [f"worksheets/{name}" for name in stale_worksheets(write=not args.check)]
    if "sheets" in what:
        stale += [f"worksheets/{name}" for name in stale_sheets(write=not args.check)]
    if "notebooks" in what:
        stale += [f"notebooks/{name}" for name in stale_notebooks(write=not args.check)]
    for name in stale:
        print(f"{'stale' if args.check else 'wrote'}: {name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
