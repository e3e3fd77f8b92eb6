{#-
    A partial b-tree index on `relation` (a post-hook): `columns` of the rows where `predicate` holds, for a query
    that reads only those rows. dbt-postgres' `indexes` config has no WHERE, hence this macro. Created once per
    table: nothing when an index of `relation` already has a name starting with `prefix`. The name is `prefix`,
    an underscore and a random suffix, as dbt names its own indexes: a --full-refresh builds the new table while
    the old one, renamed to a backup, still holds its index under the old name (index names are unique per
    schema), and the backup's index is on another table, so it does not count. `predicate` is SQL over the relation's columns, without quotes.
    Snowflake has no indexes: nothing.
-#}
{% macro partial_index(relation, prefix, columns, predicate) -%}
    {{ return(adapter.dispatch('partial_index')(relation, prefix, columns, predicate)) }}
{%- endmacro %}

{% macro default__partial_index(relation, prefix, columns, predicate) -%}
    do $partial_index$
    begin
        if not exists (
            select
            from pg_catalog.pg_index as indexes
            inner join pg_catalog.pg_class as index_names
                on indexes.indexrelid = index_names.oid
            where
                indexes.indrelid = '{{ relation }}'::regclass
                and index_names.relname like '{{ prefix }}%'
        ) then
            execute format(
                'create index %I on {{ relation }} ({{ columns | join(", ") }}) where {{ predicate }}',
                '{{ prefix }}_' || left(md5(clock_timestamp()::text), 8)
            );
        end if;
    end
    $partial_index$
{%- endmacro %}

{% macro snowflake__partial_index(relation, prefix, columns, predicate) -%}
    select 1 as indexes_are_postgresql_only
{%- endmacro %}

{#-
    A unique b-tree index on `columns` of `relation` (a post-hook), so that PostgreSQL enforces the key: the
    uniqueness tests on exactly those columns (`unique`, unique_combination_of_columns) then read the catalog
    instead of the rows (macro key_not_enforced), and a join on the key can probe it. Named
    <table>_<columns>_key, created once (if not exists): for relations that are never rebuilt, such as the
    snapshots (a table rebuilt under a backup name would need partial_index's naming). A duplicate then fails the
    statement that writes it, naming the key. Not dbt's `indexes` config: dbt creates a snapshot's indexes only
    when it creates the table, and a snapshot is never rebuilt, so every warehouse built before would never get
    it; the post-hook adds it to those on their next build. Snowflake has no indexes: nothing.
-#}
{% macro unique_index(relation, columns) -%}
    {{ return(adapter.dispatch('unique_index')(relation, columns)) }}
{%- endmacro %}

{% macro default__unique_index(relation, columns) -%}
    create unique index if not exists {{ relation.identifier ~ '_' ~ columns | join('_') ~ '_key' }}
    on {{ relation }} ({{ columns | join(', ') }})
{%- endmacro %}

{% macro snowflake__unique_index(relation, columns) -%}
    select 1 as indexes_are_postgresql_only
{%- endmacro %}

{#-
    A b-tree index on a snapshot's member key (`columns`, a column name or a list: the snapshot's unique_key), a
    post-hook like unique_index: named <table>_<columns>_idx, created once (if not exists), also on snapshots
    built before it. A member has one row per version, so not unique. A snapshot run fetches the current rows
    of the keys that changed by it (macros/snapshots/snapshot_staging_table.sql), and the SCD2 models read the
    versions of the members they rebuild by it, instead of reading every version (SF 1: 800 k partsupp rows,
    about a second a build). Snowflake has no indexes: nothing.
-#}
{% macro member_index(relation, columns) -%}
    {{ return(adapter.dispatch('member_index')(relation, [columns] if columns is string else columns)) }}
{%- endmacro %}

{% macro default__member_index(relation, columns) -%}
    create index if not exists {{ relation.identifier ~ '_' ~ columns | join('_') ~ '_idx' }}
    on {{ relation }} ({{ columns | join(', ') }})
{%- endmacro %}

{% macro snowflake__member_index(relation, columns) -%}
    select 1 as indexes_are_postgresql_only
{%- endmacro %}
