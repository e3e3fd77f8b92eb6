{#-
    The error-event table (Kimball): one row per row and rule that broke it, with when it was first and last
    seen and when it was resolved. Incremental: each run marks the violations found now present (last seen
    now; first seen kept from the earliest run that saw them) and the open events no longer found resolved.
-#}
{{
    config(
        materialized='incremental',
        unique_key=['table_name', 'row_key', 'rule_name', 'column_name'],
        on_schema_change='fail',
    )
}}

{%- set run_time = "'" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "+00'::timestamptz" %}

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

{% if is_incremental() %}

known_events as (

    select
        table_name,
        row_key,
        rule_name,
        column_name,
        detected_by,
        offending_value,
        first_seen_at,
        last_seen_at,
        resolved_at
    from {{ this }}

),

{% endif %}

present_events as (

    select
        violations.table_name,
        violations.row_key,
        violations.rule_name,
        violations.column_name,
        violations.detected_by,
        violations.offending_value,
        {% if is_incremental() %}
            coalesce(known_events.first_seen_at, {{ run_time }}) as first_seen_at,
        {% else %}
            {{ run_time }} as first_seen_at,
        {% endif %}
        {{ run_time }} as last_seen_at,
        null::timestamptz as resolved_at
    from violations
    {% if is_incremental() %}
        left join known_events
            on
                violations.table_name = known_events.table_name
                and violations.row_key = known_events.row_key
                and violations.rule_name = known_events.rule_name
                and violations.column_name = known_events.column_name
    {% endif %}

),

{% if is_incremental() %}

resolved_events as (

    select
        known_events.table_name,
        known_events.row_key,
        known_events.rule_name,
        known_events.column_name,
        known_events.detected_by,
        known_events.offending_value,
        known_events.first_seen_at,
        known_events.last_seen_at,
        {{ run_time }} as resolved_at
    from known_events
    where
        known_events.resolved_at is null
        and not exists (
            select 1 from violations
            where
                violations.table_name = known_events.table_name
                and violations.row_key = known_events.row_key
                and violations.rule_name = known_events.rule_name
                and violations.column_name = known_events.column_name
        )

),

{% endif %}

events as (

    select * from present_events
    {% if is_incremental() %}
        union all
        select * from resolved_events
    {% endif %}

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
        resolved_at is null as is_present,

        -- timestamps
        first_seen_at,
        last_seen_at,
        resolved_at

    from events

)

select * from final
