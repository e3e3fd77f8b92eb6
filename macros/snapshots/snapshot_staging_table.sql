{#-
    The rows a snapshot run changes (dbt's staging table: its inserts, the updates that close a version, the deletes
    and the deletion records), computed with one join instead of dbt's four.

    dbt's default__snapshot_staging_table joins the snapshot query with the current versions four times (insertions,
    updates, deletes, deletion records), over CTEs PostgreSQL materializes: at SF 1 the partsupp snapshot's staging
    query sorted 800 k rows eight times, 13 s of a 19 s node in a day's build (7.2 s alone). Here both sides are
    read once, in one full outer join that keeps only the keys that changed, appeared or went (1.4 s), and the four
    kinds of rows are read from that. That join reads only the keys and the columns that decide, into a
    temporary table (snapshot_changed_keys, below); the whole rows, and the scd ids, are then read for those keys
    alone, by the source's key index and the snapshot's member index (at SF 1 the join hashed 800 k whole rows of
    int_partsupp_accepted, 207 MB: 1.4 s idle, 3.5 s in a day's build). Each row is the one dbt's query gives:
    the same columns in the same order, the same conditions (its `row_changed`, the deleted flag,
    dbt_valid_to_current), the same scd ids and times (snapshot_get_time()), so dbt's merge
    (postgres__snapshot_merge_sql) applies them unchanged.

    PostgreSQL only, and only for this project's configuration: hard_deletes new_record with dbt_valid_to_current
    set (dbt_project.yml). Any other configuration gets dbt's own macro, and so does every snapshot with
    `--vars '{snapshot_staging: dbt}'` (tests/test_snapshot_staging.py runs both and compares what they write).
-#}
{% macro postgres__snapshot_staging_table(strategy, source_sql, target_relation) -%}
    {%- set wanted = var('snapshot_staging', 'one_join') == 'one_join' -%}
    {%- if wanted and strategy.hard_deletes == 'new_record' and config.get('dbt_valid_to_current') -%}
        {{ return(snapshot_staging_table_in_one_join(strategy, source_sql, target_relation)) }}
    {%- endif -%}
    {{ return(dbt.default__snapshot_staging_table(strategy, source_sql, target_relation)) }}
{%- endmacro %}

{#- The staging query of postgres__snapshot_staging_table, for the configuration this project uses. -#}
{% macro snapshot_staging_table_in_one_join(strategy, source_sql, target_relation) %}
{%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
{%- set valid_to_current = config.get('dbt_valid_to_current') -%}
{%- set now = snapshot_get_time() -%}
{%- set lists = snapshot_staging_column_lists(strategy, source_sql, target_relation) -%}
{%- set keys, quoted_source_cols = lists.key_columns, lists.source -%}
{%- set kept_snapshot_cols, deletion_record_cols = lists.kept_snapshot, lists.deletion_record -%}
{%- set coalesced_keys, source_key_match = lists.coalesced_keys, lists.source_key_match -%}
{%- set snapshot_key_match = lists.snapshot_key_match -%}

{%- set changed_keys = api.Relation.create(
    identifier=target_relation.identifier ~ '__changed_keys', type='table'
) -%}
{%- do run_query(snapshot_changed_keys(strategy, source_sql, target_relation, changed_keys, coalesced_keys)) -%}
{%- do run_query('analyze ' ~ changed_keys) -%}

-- what the snapshot reads, and its computed columns
with snapshot_query as (

    {{ source_sql }}

),

source_data as (

    select *, {{ unique_key_fields(strategy.unique_key) }},
        {{ strategy.updated_at }} as {{ columns.dbt_updated_at }},
        {{ strategy.updated_at }} as {{ columns.dbt_valid_from }},
        {{ get_dbt_valid_to_current(strategy, columns) }},
        {{ strategy.scd_id }} as {{ columns.dbt_scd_id }}
    from snapshot_query

),

snapshotted_data as (

    select *, {{ unique_key_fields(strategy.unique_key) }}
    from {{ target_relation }}
    where
        {{ equals(columns.dbt_valid_to | trim, valid_to_current | trim) }}
        or {{ columns.dbt_valid_to }} is null

),

-- One row per key whose current version changed, is new, or is gone: the source's row and computed columns,
-- the current version's columns (prefixed snapshotted__), and what dbt's four joins would decide.
changed as (

    select
        source_data.*,
        {{ kept_snapshot_cols | join(', ') }},
        snapshotted_data.{{ columns.dbt_valid_to }} as snapshotted__dbt_valid_to,
        snapshotted_data.{{ columns.dbt_scd_id }} as snapshotted__dbt_scd_id,
        snapshotted_data.{{ columns.dbt_is_deleted }} as snapshotted__dbt_is_deleted,
        {{ unique_key_is_null(strategy.unique_key, 'source_data') }} as dbt_source_missing,
        {{ unique_key_is_null(strategy.unique_key, 'snapshotted_data') }} as dbt_snapshot_missing,
        ({{ strategy.row_changed }} or snapshotted_data.{{ columns.dbt_is_deleted }} = 'True') as dbt_row_changed,
        (
            snapshotted_data.{{ columns.dbt_is_deleted }} = 'True'
            and snapshotted_data.{{ columns.dbt_valid_to }} = {{ valid_to_current }}
        ) as dbt_deleted_already
    from {{ changed_keys }} as changed_keys
    left join source_data
        on {{ source_key_match | join(' and ') }}
    left join snapshotted_data
        on {{ snapshot_key_match | join(' and ') }}

),

insertions as (

    select
        'insert' as dbt_change_type,
        {{ quoted_source_cols | join(', ') }},
        {{ keys | join(', ') }},
        {{ columns.dbt_updated_at }},
        {{ columns.dbt_valid_from }},
        {{ columns.dbt_valid_to }},
        {{ columns.dbt_scd_id }},
        'False' as {{ columns.dbt_is_deleted }}
    from changed
    where not dbt_source_missing and (dbt_snapshot_missing or dbt_row_changed)

),

updates as (

    select
        'update' as dbt_change_type,
        {{ quoted_source_cols | join(', ') }},
        {{ keys | join(', ') }},
        {{ columns.dbt_updated_at }},
        {{ columns.dbt_valid_from }},
        -- dbt's updates end the current version where the new one starts: at the source's updated_at
        {{ columns.dbt_valid_from }} as {{ columns.dbt_valid_to }},
        snapshotted__dbt_scd_id as {{ columns.dbt_scd_id }},
        snapshotted__dbt_is_deleted as {{ columns.dbt_is_deleted }}
    from changed
    where not dbt_source_missing and not dbt_snapshot_missing and dbt_row_changed

),

deletes as (

    -- the source's columns are NULL here (its row is gone), as in dbt's left join
    select
        'delete' as dbt_change_type,
        {{ quoted_source_cols | join(', ') }},
        {{ keys | join(', ') }},
        {{ now }} as {{ columns.dbt_valid_from }},
        {{ now }} as {{ columns.dbt_updated_at }},
        {{ now }} as {{ columns.dbt_valid_to }},
        snapshotted__dbt_scd_id as {{ columns.dbt_scd_id }},
        snapshotted__dbt_is_deleted as {{ columns.dbt_is_deleted }}
    from changed
    where dbt_source_missing and not dbt_deleted_already

),

deletion_records as (

    select
        'insert' as dbt_change_type,
        {{ deletion_record_cols | join(', ') }},
        {{ now }} as {{ columns.dbt_valid_from }},
        {{ now }} as {{ columns.dbt_updated_at }},
        snapshotted__dbt_valid_to as {{ columns.dbt_valid_to }},
        {{ snapshot_hash_arguments(['snapshotted__dbt_scd_id', now]) }} as {{ columns.dbt_scd_id }},
        'True' as {{ columns.dbt_is_deleted }}
    from changed
    where dbt_source_missing and not dbt_deleted_already

)

select * from insertions
union all
select * from updates
union all
select * from deletes
union all
select * from deletion_records
{% endmacro %}

{#-
    The statement that writes the keys whose current version changed, are new, or are gone (those the staging
    query of snapshot_staging_table_in_one_join fetches whole rows for) into the temporary table `changed_keys`,
    with the same conditions as dbt's joins. It reads only the keys and the columns that decide: PostgreSQL
    prunes the other columns of the two subqueries, and computes no scd id. In a temporary table the planner has
    statistics on them: estimated from the join's conditions, it took a third of the table for changed and
    hashed every source row to fetch them. dbt's snapshot materialization calls the staging macro twice in a run
    (and runs the second query): `if not exists` makes the second call reuse the first one's table, in the same
    session (a run snapshots a relation once; a new dbt run has new sessions, so never finds an older run's
    table).
-#}
{% macro snapshot_changed_keys(strategy, source_sql, target_relation, changed_keys, coalesced_keys) %}
{%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
{%- set valid_to_current = config.get('dbt_valid_to_current') -%}
create temporary table if not exists {{ changed_keys }} as
select distinct {{ coalesced_keys | join(', ') }}
from (
    select *, {{ unique_key_fields(strategy.unique_key) }}
    from ({{ source_sql }}) as snapshot_query
) as source_data
full outer join (
    select *, {{ unique_key_fields(strategy.unique_key) }}
    from {{ target_relation }}
    where
        {{ equals(columns.dbt_valid_to | trim, valid_to_current | trim) }}
        or {{ columns.dbt_valid_to }} is null
) as snapshotted_data
    on {{ unique_key_join_on(strategy.unique_key, 'snapshotted_data', 'source_data') }}
where
    {{ unique_key_is_null(strategy.unique_key, 'source_data') }}
    or {{ unique_key_is_null(strategy.unique_key, 'snapshotted_data') }}
    or {{ strategy.row_changed }}
    or snapshotted_data.{{ columns.dbt_is_deleted }} = 'True'
{% endmacro %}
