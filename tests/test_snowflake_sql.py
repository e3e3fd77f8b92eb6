"""The static Snowflake gate: every model, snapshot, test and unit test compiles for the snowflake target, and every
compiled statement parses in sqlglot's Snowflake dialect with no PostgreSQL-only construct left in it.

The emulator (fakesnow) accepts some PostgreSQL-only SQL and mis-evaluates some functions, so a green build there
is not proof for a real account: this gate checks the SQL a real account would run. `dbt compile` connects (unit
tests and `is_incremental()` read the warehouse), so it runs against a fresh emulator, with SNOWFLAKE_EMULATOR unset:
the emulator accommodations (macros/emulator/) are off and the SQL is the real account's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from emulator import Emulator, running_emulator
from helpers import dbt, run

from ingest.config import location
from ingest.db import ensure_server

# sqlglot's Snowflake reader accepts these PostgreSQL-only forms (or reads them as something else); Snowflake
# refuses them or means something different. Each is named in the failure.
POSTGRES_ONLY = {
    "::bit(n) cast": r"::\s*bit\b",
    "generate_series()": r"\bgenerate_series\s*\(",
    "AT TIME ZONE": r"\bat\s+time\s+zone\b",
    "aggregate FILTER (WHERE ...)": r"\bfilter\s*\(\s*where\b",
    "interval 'n unit' literal": r"\binterval\s+'",
    "SET timezone": r"\bset\s+timezone\b",
    "DO $$ block": r"\bdo\s+\$",
    "LATERAL join": r"\bjoin\s+lateral\b",
    "to_char 'FM' format": r"'FM",
    "named WINDOW clause": r"\bwindow\s+\w+\s+as\s*\(",
    "extract(isodow|doy|isoyear|week)": r"\bextract\s*\(\s*(isodow|doy|isoyear|week)\b",
    "substring(... from ...)": r"\bsubstring\s*\([^()]*\bfrom\b",
    "PostgreSQL cast type (regclass, oid, jsonb)": r"::\s*(regclass|oid|jsonb?)\b",
    "ANALYZE": r"^\s*analyze\b",
    "= any(array)": r"=\s*any\s*\(",
}


def postgres_only(sql: str) -> list[str]:
    """The PostgreSQL-only constructs in ``sql``, each with its line number."""
    found = []
    for name, pattern in POSTGRES_ONLY.items():
        for match in re.finditer(pattern, sql, re.IGNORECASE | re.MULTILINE):
            found.append(f"line {sql.count(chr(10), 0, match.start()) + 1}: {name} ({match.group(0)!r})")
    return found


def unparsable(sql: str) -> str | None:
    try:
        sqlglot.parse(sql, read="snowflake", error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as error:
        return str(error).splitlines()[0]
    return None


def test_the_gate_catches_postgres_only_sql():
    """The gate fails on what it must: SQL that runs on PostgreSQL only, parsed or not."""
    assert unparsable("select row_number() over w from t window w as (order by a)") is not None
    assert postgres_only("select ('x' || substr(md5(a), 1, 15))::bit(60)::bigint from t")
    assert postgres_only("select created_at at time zone 'utc' from t")
    assert postgres_only("select count(*) filter (where a = 1) from t")
    assert postgres_only("select max(d) - interval '3 days' from t")
    assert not postgres_only("select dateadd(day, -3, max(d)) from t") and unparsable("select 1") is None


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("fakesnow")) as running:
        yield running


@pytest.fixture(scope="module")
def compiled_for_snowflake(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("snowflake_compile")
    env = emulator.env(dict(os.environ))
    del env["SNOWFLAKE_EMULATOR"]  # the real account's SQL, not the emulator's accommodations
    env |= {"DBT_TARGET_PATH": str(folder / "target"), "DBT_LOG_PATH": str(folder / "logs")}
    run(dbt("compile"), env, timeout=900)
    return folder / "target" / "compiled" / "tpch_warehouse"


@pytest.fixture(scope="module")
def show_folders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dbt folders of this module's `dbt show --inline` calls, one per engine (``postgres``, ``snowflake``)."""
    return tmp_path_factory.mktemp("dbt_show")


def sql(expression: str) -> str:
    """A SQL expression as a Jinja string literal, an argument of surrogate_key()."""
    return json.dumps(expression)


def timestamp(literal: str) -> str:
    """A timestamp literal through timestamp_text() (macros/portable/timestamps.sql), as Jinja."""
    return f"timestamp_text({json.dumps(f'cast({literal!r} as timestamp)')})"


# Chosen inputs of surrogate_key(): Jinja expressions of its arguments, and the same values as Python text (None for
# NULL).
KEY_INPUTS = {
    "integers": ([sql("1"), sql("23")], ["1", "23"]),
    "separator_in_text": ([sql("'1|2'"), sql("'3'")], ["1|2", "3"]),
    "null_and_empty": ([sql("cast(null as varchar)"), sql("''")], [None, ""]),
    "decimal": ([sql("cast(12.50 as numeric(15, 2))")], ["12.50"]),
    "timestamp_whole_second": ([sql("7"), timestamp("1998-08-03 10:00:00")], ["7", "1998-08-03 10:00:00"]),
    "timestamp_fraction": ([sql("7"), timestamp("1998-08-03 10:00:00.25")], ["7", "1998-08-03 10:00:00.25"]),
    "timestamp_microsecond": ([timestamp("1900-01-01 00:00:00.000001")], ["1900-01-01 00:00:00.000001"]),
}


def python_key(values: list[str | None]) -> int:
    """surrogate_key()'s definition (macros/keys/surrogate_key.sql), in Python."""
    text = "|".join("null" if value is None else f"{len(value)}:{value}" for value in values)
    return int(hashlib.md5(text.encode()).hexdigest()[:15], 16)


def shown(env: dict[str, str], folder: Path, columns: dict[str, str]) -> dict[str, object]:
    """One row of `dbt show --inline`: each column's Jinja/SQL expression, evaluated on ``env``'s engine."""
    listed = ", ".join(f"{expression} as {name}" for name, expression in columns.items())
    env = env | {"DBT_TARGET_PATH": str(folder / "target"), "DBT_LOG_PATH": str(folder / "logs")}
    result = run([*dbt("--quiet", "show"), "--inline", f"select {listed}", "--output", "json"], env)
    row = json.loads(result.stdout[result.stdout.index("{") :])["show"][0]
    return {name.lower(): value for name, value in row.items()}


def key_columns() -> dict[str, str]:
    return {
        name: f"{{{{ surrogate_key([{', '.join(expressions)}]) }}}}" for name, (expressions, _) in KEY_INPUTS.items()
    }


@pytest.fixture(scope="module")
def evaluated(emulator: Emulator, show_folders: Path) -> dict[str, dict[str, object]]:
    """Every expression this module compares between the engines (surrogate keys, quarantine macros), evaluated
    in one `dbt show` per engine: each call pays for a dbt start and its connection (9-23 s of CPU)."""
    ensure_server(location("warehouse"))
    columns = key_columns() | quarantine_columns()
    return {
        "postgres": shown(dict(os.environ), show_folders / "postgres", columns),
        "snowflake": shown(emulator.env(dict(os.environ)), show_folders / "snowflake", columns),
    }


def test_surrogate_keys_are_the_same_on_both_engines(evaluated: dict[str, dict[str, object]]):
    """The same values give the same key on PostgreSQL and on Snowflake (the emulator), keys built from timestamps
    included (timestamp_text's explicit format), and both equal surrogate_key's definition computed in Python."""
    expected = {name: python_key(values) for name, (_, values) in KEY_INPUTS.items()}
    on_postgres, on_snowflake = ({name: int(row[name]) for name in KEY_INPUTS} for row in evaluated.values())
    assert on_postgres == expected
    assert on_snowflake == expected


def test_every_compiled_statement_is_snowflake_sql(compiled_for_snowflake: Path):
    files = sorted(compiled_for_snowflake.rglob("*.sql"))
    kinds = {part for file in files for part in file.relative_to(compiled_for_snowflake).parts[:1]}
    assert {"models", "snapshots", "tests"} <= kinds, f"compiled only {kinds}: nothing to check"
    problems = []
    for file in files:
        sql = file.read_text()
        name = file.relative_to(compiled_for_snowflake)
        if error := unparsable(sql):
            problems.append(f"{name}: sqlglot (Snowflake) cannot parse it: {error}")
        problems += [f"{name}: PostgreSQL-only {what}" for what in postgres_only(sql)]
    print(f"\n{len(files)} compiled files parsed as Snowflake SQL")  # the figure a report quotes (pytest -s)
    assert not problems, "\n".join(problems)


# Chosen keys for json_object_text() (macros/portable/json.sql): [name, value] pairs, None for NULL.
JSON_INPUTS = {
    "line": [("l_orderkey", 1), ("l_linenumber", 23)],
    "longer_name_first": [("l_linenumber", 2), ("l_orderkey", 10)],
    "same_length": [("ps_suppkey", 7), ("ps_partkey", 8)],
    "null_value": [("c_custkey", None)],
    "beyond_32_bits": [("o_orderkey", 6_000_000_007)],
}
# Chosen texts for has_control_characters() (macros/portable/expressions.sql), None for NULL.
TEXT_INPUTS = {
    "bell": "bell\x07 inside",
    "escape": "\x1b[0m",
    "unit_separator": "a\x1fb",
    "vertical_tab": "a\x0bb",
    "delete": "\x7f",
    "tab_newline_return": "a\tb\nc\r",
    "plain": "plain ~ text, 10 kB or not",
    "null_text": None,
}


def json_text(pairs: list[tuple[str, int | None]]) -> str:
    """json_object_text()'s definition, in Python: PostgreSQL's jsonb text (keys shorter first, then by bytes)."""
    ordered = sorted(pairs, key=lambda pair: (len(pair[0]), pair[0].encode()))
    return json.dumps(dict(ordered))


def is_control(character: str) -> bool:
    return character not in "\t\n\r" and (ord(character) < 32 or ord(character) == 127)


def text_sql(text: str | None) -> str:
    """A SQL expression of ``text`` that spells each control character with chr(), the same on both engines."""
    if text is None:
        return "cast(null as varchar)"
    parts: list[str] = []
    for character in text:
        if is_control(character) or character in "\t\n\r":
            parts.append(f"chr({ord(character)})")
        elif parts and parts[-1].startswith("'"):
            parts[-1] = parts[-1][:-1] + character.replace("'", "''") + "'"
        else:
            parts.append("'" + character.replace("'", "''") + "'")
    return " || ".join(parts)


def quarantine_columns() -> dict[str, str]:
    columns = {}
    for name, pairs in JSON_INPUTS.items():
        listed = ", ".join(
            f"[{sql(key)}, {sql('null' if value is None else f'cast({value} as bigint)')}]" for key, value in pairs
        )
        columns[f"json_{name}"] = f"{{{{ json_object_text([{listed}]) }}}}"
        first = pairs[0][0]
        columns[f"field_{name}"] = f"{{{{ json_integer_field(json_object_text([{listed}]), {sql(first)}) }}}}"
    for name, text in TEXT_INPUTS.items():
        columns[f"control_{name}"] = f"{{{{ has_control_characters({sql(text_sql(text))}) }}}}"
    return columns


def test_quarantine_macros_are_the_same_on_both_engines(evaluated: dict[str, dict[str, object]]):
    """The quarantine's portable macros give the same values on PostgreSQL and on Snowflake (the emulator), and
    both equal their definitions in Python: a row key's JSON text (the text ingest/held_rows.py writes with
    PostgreSQL's jsonb), a field read back from it, and whether a text holds a control character."""
    expected: dict[str, object] = {}
    for name, pairs in JSON_INPUTS.items():
        expected[f"json_{name}"] = json_text(pairs)
        expected[f"field_{name}"] = pairs[0][1]
    for name, text in TEXT_INPUTS.items():
        expected[f"control_{name}"] = None if text is None else any(is_control(c) for c in text)
    on_postgres, on_snowflake = ({name: row[name] for name in expected} for row in evaluated.values())
    assert on_postgres == expected
    assert on_snowflake == expected
