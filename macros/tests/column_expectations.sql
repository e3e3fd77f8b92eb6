{#-
    A model's simple column checks in one pass over its rows: each column of not_null must have a value, each
    column of accepted_values (column: [values]) must hold one of its values, each column of accepted_range
    (column: {min_value, max_value}, bounds inclusive) must lie in its range. Nulls pass accepted_values and
    accepted_range, as they do dbt's tests of those names (not_null is their check).

    The same checks as one not_null, accepted_values or accepted_range test per column, at the cost of one
    scan instead of one per check: on a staging view each of those tests re-ran the view over raw's whole table
    (20 scans of lineitem per build). Returns one row per broken expectation (column_name, expectation,
    failing_rows), and the test counts the failing rows, so a warning reads "Got 12 results" for 12 bad rows;
    `dbt build --store-failures` keeps the per-check rows in a table.
-#}
{% test column_expectations(model, not_null=[], accepted_values={}, accepted_range={}) %}
    {{ config(fail_calc='coalesce(sum(failing_rows), 0)') }}
    {%- if not_null | length + accepted_values | length + accepted_range | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "column_expectations on " ~ model ~ ": give not_null, accepted_values or accepted_range"
        ) }}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- for column in not_null -%}
        {%- do checks.append((column, 'not_null', column ~ ' is null')) -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- set quoted = [] -%}
        {%- for value in values -%}
            {%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
        {%- endfor -%}
        {%- do checks.append((column, 'accepted_values', column ~ ' not in (' ~ quoted | join(', ') ~ ')')) -%}
    {%- endfor -%}
    {%- for column, bounds in accepted_range.items() -%}
        {%- set outside = [] -%}
        {%- do outside.append(column ~ ' < ' ~ bounds.min_value) if bounds.min_value is defined else none -%}
        {%- do outside.append(column ~ ' > ' ~ bounds.max_value) if bounds.max_value is defined else none -%}
        {%- do exceptions.raise_compiler_error(
            "column_expectations on " ~ model ~ ": accepted_range of " ~ column ~ " needs min_value, max_value or both"
        ) if outside | length == 0 else none -%}
        {%- do checks.append((column, 'accepted_range', outside | join(' or '))) -%}
    {%- endfor -%}
    {%- set sums = [] -%}
    {%- set rows = [] -%}
    {%- for check in checks -%}
        {%- do sums.append('sum(case when ' ~ check[2] ~ ' then 1 else 0 end) as check_' ~ loop.index) -%}
        {%- do rows.append(
            "select '" ~ check[0] ~ "' as column_name, '" ~ check[1] ~ "' as expectation, check_" ~ loop.index
            ~ " as failing_rows from counted"
        ) -%}
    {%- endfor -%}
    with

    counted as (

        select
            {{ sums | join(",\n            ") }}
        from {{ model }}

    ),

    broken as (

        {{ rows | join("\n        union all\n        ") }}

    )

    select
        column_name,
        expectation,
        failing_rows
    from broken
    where failing_rows > 0

{% endtest %}
