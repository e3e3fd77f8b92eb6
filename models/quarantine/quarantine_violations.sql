{#-
    One row per rule a current row breaks now: the rows the star keeps out. Rules found by dbt on the staging
    readers (macros/quarantine/quarantine_rules.sql), and the rows the ingest holds back in the source
    (raw_tpch.held_rows: updated_at after the source's clock or NULL). Rebuilt on every run;
    quarantine_events keeps the history.
-#}
{{ config(materialized='table') }}

with

held_rows as (

    select
        table_name,
        row_key,
        rule as rule_name,
        column_name,
        offending_value
    from {{ source('ingest', 'held_rows') }}
    where resolved_at is null

),

rule_violations as (

    {% for table, spec in quarantine_rules().items() %}
        {{ quarantine_violations_of(table, spec) }}
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

all_violations as (

    select
        table_name,
        row_key,
        rule_name,
        column_name,
        offending_value,
        'dbt' as detected_by
    from rule_violations
    union all
    select
        table_name,
        row_key,
        rule_name,
        column_name,
        offending_value,
        'ingest' as detected_by
    from held_rows

),

final as (

    select
        table_name,
        row_key,
        rule_name,
        column_name,
        detected_by,
        min(offending_value) as offending_value
    from all_violations
    group by
        table_name,
        row_key,
        rule_name,
        column_name,
        detected_by

)

select * from final
