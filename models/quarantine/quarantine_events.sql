{#-
    The error-event table (Kimball): one row per row and rule that broke it, with when it was first and last
    seen and when it was resolved. Incremental: each run marks the violations found now present (last seen
    now; first seen kept from the earliest run that saw them) and the open events no longer found resolved.
    full_refresh=false: the events' history (first seen, resolved) cannot be rebuilt.
-#}
{{
    config(
        materialized='incremental',
        full_refresh=false,
        incremental_strategy='merge',
        unique_key=['table_name', 'row_key', 'rule_name', 'column_name'],
        on_schema_change='fail',
    )
}}

{%- set run_time = "'" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "+00:00'::timestamptz" %}

with

violations as (

    select
        table_name,
        row_key,
        rule_name,
        column_name,
        detected_by,
        offending_value
    from {{ ref('quarantine_violations') }}

),

-- The events recorded by earlier runs (none on the first run).
known_events as (

    {% if is_incremental() %}
        select
            table_name,
            row_key,
            rule_name,
            column_name,
            first_seen_at,
            last_seen_at,
            resolved_at
        from {{ this }}
    {% else %}
        select
            table_name,
            row_key,
            rule_name,
            column_name,
            null::timestamptz as first_seen_at,
            null::timestamptz as last_seen_at,
            null::timestamptz as resolved_at
        from violations
        where false
    {% endif %}

),

-- Every violation found now: present, seen now, first seen when an earlier run first saw it.
present_events as (

    select
        violations.table_name,
        violations.row_key,
        violations.rule_name,
        violations.column_name,
        violations.detected_by,
        violations.offending_value,
        coalesce(known_events.first_seen_at, {{ run_time }}) as first_seen_at,
        {{ run_time }} as last_seen_at,
        null::timestamptz as resolved_at
    from violations
    left join known_events
        on
            violations.table_name = known_events.table_name
            and violations.row_key = known_events.row_key
            and violations.rule_name = known_events.rule_name
            and violations.column_name = known_events.column_name

),

-- Every event still open from an earlier run that is not found now: resolved by this run.
resolved_events as (

    {% if is_incremental() %}
        select
            known.table_name,
            known.row_key,
            known.rule_name,
            known.column_name,
            known.detected_by,
            known.offending_value,
            known.first_seen_at,
            known.last_seen_at,
            {{ run_time }} as resolved_at
        from {{ this }} as known
        where
            known.resolved_at is null
            and not exists (
                select 1 from violations
                where
                    violations.table_name = known.table_name
                    and violations.row_key = known.row_key
                    and violations.rule_name = known.rule_name
                    and violations.column_name = known.column_name
            )
    {% else %}
        select * from present_events
        where false
    {% endif %}

),

events as (

    select * from present_events
    union all
    select * from resolved_events

),

flagged as (

    select
        *,
        resolved_at is null as is_present
    from events

),

final as (

    select
        -- keys
        table_name,
        row_key,
        rule_name,
        column_name,

        -- attributes
        detected_by,
        offending_value,
        is_present,

        -- timestamps
        first_seen_at,
        last_seen_at,
        resolved_at

    from flagged

)

select * from final
