"""Every file a command writes goes through here.

:func:`check` looks at an output name before any work is done (its suffix, its folder,
what is already there); :func:`write` writes one file and :func:`write_all` several (a
sheet's PNG pages) in full or not at all: the bytes go to a new file beside the target,
which then replaces it, so a full disk or a lost permission leaves no half-written file
and an existing file as it was. A character device the name leads to (``/dev/null``, or
``/dev/full`` through a link) is written directly. What cannot be written is an
:class:`OutputError`, one line naming the option, the file and why; the command line
turns it into exit code 2.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path

__all__ = ["OutputError", "check", "write", "write_all"]


class OutputError(ValueError):
    """An output that cannot be written; the message is one line."""


def _suffixes(allowed: Sequence[str]) -> str:
    allowed = list(allowed)
    return allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " or " + allowed[-1]


def check(path, *, flag: str = "-o", suffixes: Sequence[str] = (), exist_ok: bool = True) -> Path:
    """``path`` as a :class:`~pathlib.Path` a file can be written to, or an :class:`OutputError`.

    ``flag`` is the option that named it (for the message); ``suffixes`` the endings
    allowed (any when empty, compared in lower case); ``exist_ok=False`` refuses a
    regular file that exists (it may hold someone's work).
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{flag}: expected a file name, got {type(path).__name__}")
    text = os.fspath(path)
    if not isinstance(text, str) or not text or "\0" in text:
        raise OutputError(f"{flag}: expected a file name, got {text!r}")
    out = Path(text)
    shown = f"{flag} {text}"
    if suffixes and out.suffix.lower() not in suffixes:
        raise OutputError(f"{shown}: expected a file name ending in {_suffixes(suffixes)}")
    try:
        info = os.stat(out)
    except FileNotFoundError:
        info = None
    except OSError as err:  # a part of the path is a file, a loop of links, a name too long
        raise OutputError(f"{shown}: cannot be written ({_why(err, out)})") from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{shown}: is a folder; expected a file name")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISCHR(info.st_mode)):
            raise OutputError(f"{shown}: not a regular file (a pipe or a socket); expected a file name")
        if not exist_ok and stat.S_ISREG(info.st_mode):
            raise OutputError(f"{shown}: the file exists; choose another name or remove it first")
        if not os.access(out, os.W_OK):
            raise OutputError(f"{shown}: cannot be written (no permission to write {text!r})")
        return out
    folder = out.resolve().parent if out.is_symlink() else out.parent
    try:
        finfo = os.stat(folder)
    except FileNotFoundError:
        raise OutputError(f"{shown}: no folder {str(folder)!r}; make it first") from None
    except OSError as err:
        raise OutputError(f"{shown}: cannot be written ({_why(err, folder)})") from None
    if not stat.S_ISDIR(finfo.st_mode):
        raise OutputError(f"{shown}: {str(folder)!r} is a file, not a folder")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{shown}: cannot be written (no permission to write in {str(folder)!r})")
    return out


def write(path, data: bytes | str, *, flag: str = "-o", suffixes: Sequence[str] = (),
          exist_ok: bool = True) -> Path:
    """Write ``data`` (text is written as UTF-8) to ``path``, all of it or nothing."""
    return write_all([(path, data)], flag=flag, suffixes=suffixes, exist_ok=exist_ok)[0]


def write_all(files, *, flag: str = "-o", suffixes: Sequence[str] = (),
              exist_ok: bool = True) -> list[Path]:
    """Write every ``(path, data)`` of ``files``, or none of them: each goes to a new file
    beside its target first, and only when all are written do they replace the targets."""
    files = [(check(p, flag=flag, suffixes=suffixes, exist_ok=exist_ok),
              d.encode("utf-8") if isinstance(d, str) else bytes(d)) for p, d in files]
    pending = []
    try:
        for out, data in files:
            target = Path(os.path.realpath(out))
            if target.exists() and stat.S_ISCHR(os.stat(target).st_mode):
                _write_device(out, target, data, flag)
                continue
            pending.append((out, target, _write_beside(out, target, data, flag)))
        for out, target, temp in pending:
            try:
                os.replace(temp, target)
            except OSError as err:
                raise OutputError(f"{flag} {out}: cannot be written ({_why(err, out)})") from None
    finally:
        for _, _, temp in pending:
            try:
                os.unlink(temp)
            except OSError:
                pass
    return [out for out, _ in files]


def _write_beside(out: Path, target: Path, data: bytes, flag: str) -> Path:
    """``data`` in a new file in the target's folder (the target's mode kept); its name."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as err:
        raise OutputError(f"{flag} {out}: cannot be written ({_why(err, target.parent)})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(temp, mode)
    except OSError as err:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise OutputError(f"{flag} {out}: cannot be written ({_why(err, out)})") from None
    return temp


def _write_device(out: Path, target: Path, data: bytes, flag: str) -> None:
    try:
        with open(target, "wb") as f:
            f.write(data)
    except OSError as err:
        raise OutputError(f"{flag} {out}: cannot be written ({_why(err, out)})") from None


def _why(err: OSError, where: Path) -> str:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the device"
    if err.errno == errno.EFBIG:
        return "larger than a file may be here"
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to write in {str(where)!r}"
    if err.errno == errno.EROFS:
        return "a read-only file system"
    if err.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if err.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return err.strerror or type(err).__name__
