"""Money, the one core module that formats it: 万元 amounts as Decimals, printed with thousands
separators. Every finding, report fragment and chart label calls :func:`fmt`.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["fmt"]


def fmt(value: Decimal | int | str | None, *, missing: str = "—", trim: bool = False) -> str:
    """Format a 万元 amount with thousands separators.

    Args:
        value: the amount (a Decimal keeps its printed precision); None or NaN is missing.
        missing: what a missing amount prints as (``—`` in reports, ``空`` in findings).
        trim: drop the decimals of a whole amount (``100.00`` -> ``100``), as findings do.

    Returns:
        ``33,534.08`` for ``Decimal("33534.08")``.
    """
    if value is None or (isinstance(value, float) and value != value):
        return missing
    d = Decimal(value) if not isinstance(value, Decimal) else value
    if d.is_nan():
        return missing
    if trim and d == d.to_integral():
        d = d.normalize()
    return format(d, ",f")
