"""Click callbacks shared by the commands' options."""

from __future__ import annotations

import math

import click


def not_nan(_ctx: click.Context, _param: click.Parameter, value: float) -> float:
    """VALUE unless it is NaN (which click's float ranges let through)."""
    if math.isnan(value):
        raise click.BadParameter("must be a number of seconds, not nan")
    return value
