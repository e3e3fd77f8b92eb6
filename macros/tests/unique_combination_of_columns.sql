{#-
    Fails on every combination of the given columns that occurs on more than one row (a compound
    primary key). Returns one row per duplicated combination, with its number of rows.
    Columns are grouped as they are, never concatenated, so (1, 23) and (12, 3) stay distinct.
    Where the database itself guarantees the key (macro key_not_enforced), the scan is skipped: the check
    cannot fail there, and on a fact of millions of rows it was the slowest of a build's tests.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "unique_combination_of_columns on " ~ model
            ~ ": combination_of_columns must be a non-empty list of column names, got "
            ~ combination_of_columns
        ) }}
    {%- endif -%}
    {%- set column_list = combination_of_columns | join(", ") -%}

    select
        {{ column_list }},
        count(*) as number_of_rows
    from {{ model }}
    where {{ key_not_enforced(model, combination_of_columns) }}
    group by {{ column_list }}
    having count(*) > 1

{% endtest %}

{#-
    A condition that is false when the database enforces uniqueness of exactly these columns on the relation:
    on PostgreSQL, a valid unique index (a primary key's, or a unique constraint's) on exactly that set of
    columns, with no predicate and no expression; an index on more columns does not count (it allows
    duplicates of fewer), a view has none, nor a subquery (a test's `where` config). PostgreSQL evaluates the uncorrelated condition once, before the
    scan, so when it is false the test reads no row. Snowflake enforces no primary key or unique constraint:
    the condition is always true and the test always scans.
-#}
{% macro key_not_enforced(model, columns) -%}
    {{ return(adapter.dispatch('key_not_enforced')(model, columns)) }}
{%- endmacro %}

{% macro default__key_not_enforced(model, columns) -%}
    1 = 1
{%- endmacro %}

{% macro postgres__key_not_enforced(model, columns) -%}
    {%- if model.identifier is not defined -%}
        {#- a `where` config makes the model a subquery, which has no index -#}
        1 = 1
    {%- else -%}
    not exists (
        select 1
        from pg_catalog.pg_index as key_index
        where
            key_index.indrelid = to_regclass('{{ model }}')
            and key_index.indisunique
            and key_index.indisvalid
            and key_index.indpred is null
            and key_index.indexprs is null
            and key_index.indnkeyatts = {{ columns | length }}
            and (
                select array_agg(key_column.attname::text order by key_column.attname::text)
                from pg_catalog.pg_attribute as key_column
                where
                    key_column.attrelid = key_index.indrelid
                    and key_column.attnum = any(key_index.indkey::int2[])
            ) = array[{% for column in columns | sort %}'{{ column }}'{{ ", " if not loop.last }}{% endfor %}]::text[]
    )
    {%- endif -%}
{%- endmacro %}
