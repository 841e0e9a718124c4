"""Number options and arguments: one parser (`ledger.inputs.parse_natural`) for every seq, size,
count and year, so `²`, `٣`, `1_000`, `-1` and a 25-digit number are usage errors (exit 2)
naming the option, never a traceback from the database driver.

Use as `typer.Option(parser=natural)` / `typer.Argument(parser=natural)`. Typer also passes an
int default through the parser, so an int is returned as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from ledger.errors import InputError

YEAR_RANGE = (1, 9999)  # the years an RFC 3339 time can hold


def _parser(minimum: int | None = None, maximum: int | None = None) -> Callable[[str | int], int]:
    def parse(value: str | int) -> int:
        if isinstance(value, int):
            return value
        from ledger import inputs

        low = 0 if minimum is None else minimum
        high = inputs.MAX_NATURAL if maximum is None else maximum
        try:
            return inputs.parse_natural(value, where="", minimum=low, maximum=high)
        except InputError as exc:
            raise typer.BadParameter(exc.message) from None

    return parse


natural = _parser()
"""A seq, tree size, count or limit: 0 to 2**63 − 1."""

year = _parser(*YEAR_RANGE)
"""A calendar year: 1 to 9999."""
