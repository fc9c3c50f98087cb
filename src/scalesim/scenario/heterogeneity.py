"""Differences between schools that real diffusion data show (scenario section ``heterogeneity``).

Real units differ a lot: in the Korean family-planning villages (Rogers & Kincaid 1981, shipped
in ``data/real/kfamily``) the final share of adopters runs from 0.42 to 0.83 between villages of
one study. Two mechanisms express that, both off by default:

* **never adopters** (a cure-model share): each educator never starts enacting with a
  probability that varies by school, drawn from a Beta distribution with mean
  ``never_adopt_share`` and concentration ``never_adopt_concentration`` (large: every school
  alike; small: schools differ a lot);
* **school random effect on adoption rates** (a shared frailty): every adoption hazard of a
  school's educators is multiplied by ``exp(sd·z − sd²/2)``, ``z ~ N(0, 1)`` per school (mean
  one), with ``sd = rate_school_sd``.

Both are drawn once when the district is built, from the named stream ``heterogeneity``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from scalesim.scenario.fields import Share, Strict, doc_field


class Heterogeneity(Strict):
    """School-level differences in who can adopt and how fast (default: none)."""

    never_adopt_share: Share = doc_field(
        0.0,
        "Mean share of educators who never start enacting, whatever happens (0: off).",
        "share",
        "cure-model share; fitted to data (docs/calibration.md)",
    )
    never_adopt_concentration: Annotated[float, Field(gt=0, le=1e6)] | None = doc_field(
        None,
        "Beta concentration of each school's never-adopter share around the mean (small: "
        "schools differ a lot). None: the same share in every school.",
        "concentration",
    )
    rate_school_sd: Annotated[float, Field(ge=0, le=3)] = doc_field(
        0.0,
        "Standard deviation of a school-level log-normal (mean one) multiplier of every "
        "adoption rate (0: off).",
        "log-rate sd",
        "shared frailty; fitted to data (docs/calibration.md)",
    )

    @property
    def active(self) -> bool:
        """Whether any heterogeneity is switched on."""
        return self.never_adopt_share > 0 or self.rate_school_sd > 0
