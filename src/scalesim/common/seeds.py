"""Seeds: one range everywhere, [0, 2**63), so every seed fits a Parquet int64 column."""

from __future__ import annotations

import numbers

from scalesim.common.errors import ScalesimInputError

SEED_MAX = 2**63 - 1
# The seed a run uses when none is given, from Python (``scalesim.run``, ``scalesim.compare``,
# ``scalesim.rehearse``) and from the command line (``--seed``) alike, so a notebook's numbers
# match the CLI's and the reports' (issue 14: they used to differ, 0 against 1).
DEFAULT_SEED = 1


def check_seed(value: object, source: str = "seed", field: str = "") -> int:
    """``value`` as a seed, or one clear error.

    Raises:
        ScalesimInputError: If it is not a whole number in ``[0, 2**63)``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, str) and value.strip().lstrip("+").isdigit():
            value = int(value)
        else:
            raise ScalesimInputError(
                source, field, f"expected a whole number in [0, 2**63), got {value!r}"
            )
    seed = int(value)
    if not 0 <= seed <= SEED_MAX:
        raise ScalesimInputError(source, field, f"expected a seed in [0, 2**63), got {seed}")
    return seed
