"""The build cache: an item whose inputs, templates and derive itself are unchanged is not rebuilt.

The key of an item is the sha256 of everything its outputs depend on: the bytes of its input
files, its salt (seed, parameters), the templates' bytes, derive's own source files' bytes
(hashed once per run), the versions and formats asked for. A record per item in
``OUT/.derive-cache/`` holds that key, the outputs with their sha256, the verdict and the answers;
the item is cached when the key matches and every output is there with its recorded hash.
Nothing here imports SymPy or the engines: a fully cached build stays fast.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from derive.core.files import write_text_atomic
from derive.handout.items import BuildItem

CACHE_DIR = ".derive-cache"
_FORMAT = 1  # bump when the record's shape changes


def _hash_files(digest: Any, files: Iterable[Path], root: Path) -> None:
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def templates_dir() -> Path | None:
    """The folder of the default templates in a checkout or the installed package (None if neither)."""
    import derive

    package = Path(derive.__file__).resolve().parent
    for folder in (package.parent / "templates", package / "templates"):
        if folder.is_dir():
            return folder
    return None


def base_hash() -> str:
    """The sha256 of derive's own source files (``derive/**/*.py``) and the templates: once per run."""
    import derive

    digest = hashlib.sha256(f"derive-build-cache {_FORMAT}\n".encode())
    package = Path(derive.__file__).resolve().parent
    _hash_files(digest, package.rglob("*.py"), package)
    folder = templates_dir()
    if folder is not None:
        _hash_files(digest, (p for p in folder.rglob("*") if p.is_file()), folder)
    return digest.hexdigest()


def folder_hash(folder: Path) -> str:
    """The sha256 of every file under ``folder`` (names and bytes): a user's template overrides."""
    digest = hashlib.sha256(b"folder\n")
    _hash_files(digest, (p for p in folder.rglob("*") if p.is_file()), folder)
    return digest.hexdigest()


def item_key(item: BuildItem, base: str, versions: tuple[str, ...], formats: tuple[str, ...]) -> str:
    """The cache key of ``item`` built in ``versions`` to ``formats`` (``base``: see ``base_hash``, with
    whatever else every item depends on, such as the user's templates)."""
    digest = hashlib.sha256(base.encode())
    for path in item.inputs:
        digest.update(str(path).encode("utf-8") + b"\0")
        try:
            digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
        except OSError:
            digest.update(b"<missing>")
    digest.update(json.dumps({"key": item.key, "salt": item.salt, "outputs": dict(sorted(item.outputs.items())),
                              "versions": list(versions), "formats": list(formats)}, sort_keys=True).encode())
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_path(out: Path, item: BuildItem) -> Path:
    """Where ``item``'s record lives: ``OUT/.derive-cache/<sha256 of its key>.json``."""
    return out / CACHE_DIR / (hashlib.sha256(item.key.encode("utf-8")).hexdigest()[:40] + ".json")


def lookup(out: Path, item: BuildItem, key: str) -> dict[str, Any] | None:
    """The record of ``item`` if its key is ``key`` and every output is there with its recorded hash."""
    try:
        record = json.loads(record_path(out, item).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key or record.get("item") != item.key:
        return None
    try:
        for formats in record["outputs"].values():
            for entry in formats.values():
                if file_hash(out / entry["path"]) != entry["sha256"]:
                    return None
    except (OSError, KeyError, TypeError, AttributeError):
        return None
    return record


def store(out: Path, item: BuildItem, key: str, files: Mapping[str, Mapping[str, Path]], verdict: str,
          answers: Mapping[str, Any], *, seconds: float = 0.0, tex_seconds: float = 0.0,
          overfull: Mapping[str, Sequence[str]] | None = None) -> None:
    """Record ``item``'s outputs (with their hashes), verdict and answers under ``key`` (atomically);
    ``seconds`` and ``tex_seconds`` (how long it took, how much of it in TeX) for benchmarks;
    ``overfull``: TeX's overfull-line warnings by version, repeated when the item is cached."""
    outputs = {version: {fmt: {"path": path.relative_to(out).as_posix(), "sha256": file_hash(path)}
                         for fmt, path in by_format.items()}
               for version, by_format in files.items()}
    record = {"item": item.key, "key": key, "outputs": outputs, "verdict": verdict, "answers": dict(answers),
              "seconds": round(seconds, 3), "tex_seconds": round(tex_seconds, 3)}
    if overfull:
        record["overfull"] = {version: list(lines) for version, lines in overfull.items()}
    try:
        text = json.dumps(record, sort_keys=True, indent=1)
    except (TypeError, ValueError):  # answers that are not JSON: do not cache, rebuild next time
        forget(out, item)
        return
    path = record_path(out, item)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)


def forget(out: Path, item: BuildItem) -> None:
    """Remove ``item``'s record (its outputs failed or were removed)."""
    record_path(out, item).unlink(missing_ok=True)


def files_of(out: Path, record: Mapping[str, Any]) -> dict[str, dict[str, Path]]:
    """The output files of a record, by version and format."""
    return {version: {fmt: out / entry["path"] for fmt, entry in formats.items()}
            for version, formats in record["outputs"].items()}


def overfull_of(record: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The overfull-line warnings a record kept, by version (none for a record written without them)."""
    kept = record.get("overfull")
    if not isinstance(kept, dict):
        return {}
    return {str(version): tuple(str(line) for line in lines) for version, lines in kept.items()
            if isinstance(lines, list)}
