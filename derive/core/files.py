"""Atomic file output: a reader sees the old file or the new one, never a half-written one.

Every file derive writes (PDFs, .tex, manifests, cache records, Moodle XML) goes through here.
"""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from derive.core.errors import RenderError


def replaced_mode(path: Path) -> int | None:
    """The permission bits of the regular file ``path`` replaces, or None if there is none.

    Why: the atomic write makes a new file, which would get 0666 minus umask; a 0600 PDF must
    stay private. A symlink is refused rather than followed (or silently replaced), so an
    output path never writes somewhere else.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RenderError(f"cannot write {path}: {exc.strerror or exc}", hint="check the path") from exc
    if stat.S_ISLNK(info.st_mode):
        raise RenderError(
            f"cannot write {path}: it is a symbolic link",
            hint="remove the link or choose another output path (derive does not write through links)",
        )
    if not stat.S_ISREG(info.st_mode):
        raise RenderError(f"cannot write {path}: it is not a regular file", hint="choose another output path")
    return stat.S_IMODE(info.st_mode) & 0o777


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory and ``os.replace``.

    Readers see the old file or the new one, never a half-written one; the temp file is
    removed on any failure. A replaced file keeps its permission bits (not its owner); a new
    one gets the usual 0666 minus umask. A symlink at ``path`` is refused, never followed.
    """
    path = Path(path)
    mode = replaced_mode(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        try:
            with os.fdopen(fd, "wb") as out:
                if mode is not None:
                    os.fchmod(out.fileno(), mode)
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RenderError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="check that the directory exists and is writable",
        ) from exc


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (see ``write_bytes_atomic``)."""
    write_bytes_atomic(path, text.encode("utf-8"))
