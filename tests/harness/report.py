"""Readable differences: the first rows where two result sets disagree, as a small text table."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def _cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], limit: int = 10) -> str:
    """Format ``rows`` under ``headers`` as an aligned text table, at most ``limit`` rows (and a count)."""
    shown = [[_cell(value) for value in row] for row in rows[:limit]]
    widths = [max([len(header)] + [len(row[index]) for row in shown]) for index, header in enumerate(headers)]
    lines = [" | ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True))]
    lines.append("-+-".join("-" * width for width in widths))
    lines += [" | ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)) for row in shown]
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more row(s)")
    return "\n".join(lines)


def compare(  # noqa: PLR0917 - reads like the table it prints: name, keys, columns, expected, got
    name: str,
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    expected: Sequence[Sequence[object]],
    got: Sequence[Sequence[object]],
    tolerance: Decimal | float = 0,
) -> list[str]:
    """Compare two result sets keyed by their first ``len(key_columns)`` values.

    Returns [] when they agree (numbers within ``tolerance``), else one message with a table of the first
    differing rows: key, column, expected, got.
    """
    width = len(key_columns)
    expected_by_key = {tuple(row[:width]): row[width:] for row in expected}
    got_by_key = {tuple(row[:width]): row[width:] for row in got}
    differences = []
    for key in sorted(expected_by_key.keys() | got_by_key.keys(), key=lambda k: tuple(map(_cell, k))):
        want, have = expected_by_key.get(key), got_by_key.get(key)
        if want is None or have is None:
            differences.append(
                [*key, "(the row)", "present" if have is None else "absent", "missing" if have is None else "present"]
            )
            continue
        for column, want_value, have_value in zip(value_columns, want, have, strict=True):
            if not _equal(want_value, have_value, tolerance):
                differences.append([*key, column, want_value, have_value])
    if not differences:
        return []
    return [
        f"{name}: {len(differences)} difference(s)\n" + table([*key_columns, "column", "expected", "got"], differences)
    ]


def _equal(want: object, have: object, tolerance: Decimal | float) -> bool:
    numbers = (int, float, Decimal)
    if isinstance(want, bool) or isinstance(have, bool):  # bool is an int to Python, not a number here
        return want == have
    if isinstance(want, numbers) and isinstance(have, numbers):
        return abs(Decimal(str(want)) - Decimal(str(have))) <= Decimal(str(tolerance))
    return want == have
