"""Files and folders written whole: a reader sees the old one or the new one, never a mix.

Every file scalesim writes goes through a temporary file in the same folder and a rename
(``os.replace`` is atomic on POSIX and Windows when source and target share a file system).

Every results *folder* (``run``, ``compare``, ``rehearse``, a new ``sweep``, the analysis of
``sensitivity``) is built by :func:`results_folder`: in a hidden sibling
``.NAME.tmp-<pid>-XXXX`` next to the target, then swapped in. On Linux the swap is one
``renameat2(RENAME_EXCHANGE)`` call, so there is no moment without a folder; elsewhere the
old folder is first renamed aside (``.NAME.old-<pid>-XXXX``), then the new one into place.
The old folder is deleted afterwards. A write killed half-way leaves only such hidden
siblings, which the next write to the same target removes (when the process that made them
is gone), so nothing half-written is ever seen under the target's name.

A results folder names its kind in a provenance file: ``manifest.json`` (``"kind"``) for
sweep, compare, rehearse and sensitivity, ``summary.json`` (``"format": "scalesim.run/1"``)
for a run (see :func:`results_kind`). :func:`check_target` refuses, before any work, to
replace a folder that is not a results folder, or is one of another kind, unless
``force`` is given (``--force`` on the command line); even then never the current folder,
one of its parents, or the home folder.

JSON goes through :func:`write_json`, which never writes NaN or infinity (invalid JSON):
:func:`json_safe` turns them into ``null``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from scalesim.common.errors import ScalesimInputError

# Where a folder says what it is: manifest.json's "kind", or a run's summary.json "format".
MANIFEST = "manifest.json"
RUN_SUMMARY = "summary.json"
RUN_FORMAT_PREFIX = "scalesim.run/"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def json_safe(x: Any) -> Any:
    """``x`` with every NaN or infinite float (Python or numpy) replaced by ``None``.

    JSON has no NaN or infinity (``json.dumps`` would write the invalid tokens ``NaN`` and
    ``Infinity``); a missing or undefined number is ``null``. Numpy scalars and arrays become
    plain Python values; tuples become lists.
    """
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_safe(v) for v in x]
    if isinstance(x, np.ndarray):
        return [json_safe(v) for v in x.tolist()]
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    return x


def json_text(data: Any, indent: int | None = 2) -> str:
    """Pretty, key-sorted JSON of ``data`` made :func:`json_safe` (never NaN or inf)."""
    return (
        json.dumps(json_safe(data), indent=indent, sort_keys=True, allow_nan=False, default=str)
        + "\n"
    )


def write_json(path: Path, data: Any) -> None:
    """Atomically write pretty, key-sorted JSON (NaN and infinities as ``null``)."""
    atomic_write_text(path, json_text(data))


# --------------------------------------------------------------------------- results folders


def results_kind(folder: Path) -> str | None:
    """The kind of results folder ``folder`` is (``run``, ``sweep``, ...), or None.

    None when it has no readable ``manifest.json`` with a ``kind`` nor a run's
    ``summary.json``.
    """
    folder = Path(folder)
    for name, key in ((MANIFEST, "kind"), (RUN_SUMMARY, "format")):
        p = folder / name
        if not p.is_file():
            continue
        try:
            value = json.loads(p.read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError, AttributeError):
            continue
        if key == "kind" and isinstance(value, str) and value:
            return value
        if key == "format" and isinstance(value, str) and value.startswith(RUN_FORMAT_PREFIX):
            return "run"
    return None


def _protected(target: Path) -> bool:
    """Whether ``target`` is the current folder, one of its parents, or the home folder."""
    here = Path.cwd().resolve()
    home = Path.home().resolve()
    return target in (home, here, Path("/")) or target in here.parents


def _nearest_existing(path: Path) -> Path:
    for p in (path, *path.parents):
        if p.exists():
            return p
    return Path("/")


def _fail(option: str, message: str) -> ScalesimInputError:
    return ScalesimInputError(option, "", message)


def _os_problem(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def check_target(
    target: str | Path,
    kind: str,
    *,
    force: bool = False,
    replace: bool = True,
    option: str = "--out",
) -> Path:
    """Check, before any work, that a results folder of ``kind`` may be written at ``target``.

    Args:
        target: The results folder.
        kind: Its kind (``run``, ``compare``, ``rehearse``, ``sweep``, ``sensitivity``).
        force: Replace whatever folder is there (never the current folder, one of its
            parents, or the home folder).
        replace: Whether an existing results folder of the same kind is replaced without
            ``force`` (a sweep's resumable store is not: it needs ``--resume`` or
            ``--force``).
        option: The option that named ``target``, for messages.

    Returns:
        The target with symbolic links resolved (the folder actually written).

    Raises:
        ScalesimInputError: One clear message naming the option and the folder.
    """
    shown = Path(target)  # as typed, for messages
    target = Path(os.path.realpath(shown.expanduser()))
    if target.exists() and not target.is_dir():
        raise _fail(option, f"{shown} exists and is not a folder")
    if _protected(target):
        raise _fail(option, f"{shown} is the current folder, one of its parents or the home folder")
    if target.is_dir():
        try:
            empty = not any(p for p in target.iterdir() if not _is_leftover(p.name))
        except OSError as exc:
            raise _fail(option, f"cannot read {shown}: {_os_problem(exc)}") from None
        found = None if empty else results_kind(target)
        if not empty and not force:
            if found is None:
                raise _fail(
                    option,
                    f"{shown} is not empty and is not a scalesim results folder; choose "
                    "another folder, or pass --force to replace it",
                )
            if found != kind:
                raise _fail(
                    option,
                    f"{shown} holds {found} results, not {kind} results; choose another "
                    "folder, or pass --force to replace them",
                )
            if not replace:
                raise _fail(
                    option,
                    f"{shown} already holds a {kind}; use --resume to continue it, --force "
                    "to replace it, or another folder",
                )
    _check_writable_parent(target, option)
    return target


def _check_writable_parent(target: Path, option: str) -> None:
    """The nearest existing folder above ``target`` is a folder this process can write in."""
    base = _nearest_existing(target.parent)
    if not base.is_dir():
        raise _fail(option, f"{base} exists and is not a folder")
    try:
        probe = tempfile.mkdtemp(prefix=f".{target.name}.probe-", dir=base)
        os.rmdir(probe)
    except OSError as exc:
        raise _fail(option, f"cannot write in {base}: {_os_problem(exc)}") from None


def check_file_target(target: str | Path, option: str = "--out") -> Path:
    """Check, before any work, that a single file can be written at ``target``.

    Raises:
        ScalesimInputError: If ``target`` is a folder, or its folder cannot be created or
            written.
    """
    shown = Path(target)
    target = Path(os.path.realpath(shown.expanduser()))
    if target.is_dir():
        raise _fail(option, f"{shown} is a folder; expected a file name")
    _check_writable_parent(target, option)
    return target


def _is_leftover(name: str) -> bool:
    # What the writers before this helper left inside a folder they were filling.
    return name.startswith(".tmp-")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(target: Path) -> list[Path]:
    """Remove the hidden siblings a killed write to ``target`` left behind.

    Only ``.NAME.tmp-<pid>-*`` and ``.NAME.old-<pid>-*`` whose process is gone are removed,
    so a write still going on elsewhere is never disturbed.

    Returns:
        What was removed.
    """
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return []
    removed = []
    for tag in ("tmp", "old", "probe"):
        for p in parent.glob(f".{glob_escape(target.name)}.{tag}-*"):
            pid_text = p.name[len(target.name) + len(tag) + 3 :].split("-")[0]
            if tag != "probe" and pid_text.isdigit() and _pid_alive(int(pid_text)):
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    p.unlink()
            removed.append(p)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob wildcards escaped."""
    import glob

    return glob.escape(name)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2``); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target``, replacing what is there, then delete the old one."""
    parent = target.parent
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        old = new  # the old folder now lives under the temporary name
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=parent))
        os.rmdir(old)
        os.rename(target, old)
        try:
            os.rename(new, target)
        except BaseException:
            os.rename(old, target)
            raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def results_folder(
    target: str | Path,
    kind: str,
    *,
    force: bool = False,
    replace: bool = True,
    option: str = "--out",
) -> Iterator[Path]:
    """Build a results folder beside ``target`` and swap it in whole when the block ends.

    Yields a new, empty hidden folder next to ``target``; write everything there. If the
    block raises (or the process is interrupted), the folder is removed and ``target`` is
    untouched; otherwise the new folder replaces ``target`` in one step (see the module
    docstring). Checks ``target`` first with :func:`check_target` (same arguments).

    Raises:
        ScalesimInputError: If ``target`` may not be written (nothing is written then).
    """
    target = check_target(target, kind, force=force, replace=replace, option=option)
    clean_leftovers(target)
    created: list[Path] = []
    for p in reversed(target.parents):
        if not p.exists():
            created.append(p)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    except OSError as exc:
        raise _fail(option, f"cannot write {Path(target)}: {_os_problem(exc)}") from None
    try:
        yield tmp
        swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for p in reversed(created):
            with contextlib.suppress(OSError):
                p.rmdir()  # only if still empty
        raise
