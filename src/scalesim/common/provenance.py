"""Versions and identity carried by every output."""

from __future__ import annotations

import functools
import platform
from importlib.metadata import PackageNotFoundError, version


def _v(pkg: str) -> str:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return "unknown"


def versions() -> dict[str, str]:
    """Versions of scalesim, Mesa, Python and the numeric stack."""
    return dict(_versions())


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    # importlib.metadata scans site-packages: slow enough to matter in sweeps.
    return tuple(
        {
            "scalesim": _v("scalesim"),
            "mesa": _v("mesa"),
            "python": platform.python_version(),
            "numpy": _v("numpy"),
            "scipy": _v("scipy"),
            "pandas": _v("pandas"),
            "pyarrow": _v("pyarrow"),
        }.items()
    )
