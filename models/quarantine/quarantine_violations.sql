{#-
    One row per rule a current row breaks now: the rows the star keeps out. Rules found by dbt on the staging
    readers (macros/quarantine/quarantine_rules.sql), and the rows the ingest holds back in the source
    (raw_tpch.held_rows: updated_at after the source's clock or NULL; PostgreSQL only). Rebuilt on every run;
    quarantine_events keeps the history.
-#}
{{ config(materialized='table') }}

with

{#- Where the ingest keeps no held rows (Snowflake: its run caps the cursor but records none) the table does not
    exist, and no row is held. -#}
{%- set held_rows_table = load_relation(source('ingest', 'held_rows')) if execute else none %}

held_rows as (

    {% if held_rows_table is not none or not execute %}
        select
            table_name,
            row_key,
            rule as rule_name,
            column_name,
            offending_value
        from {{ source('ingest', 'held_rows') }}
        where resolved_at is null
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as table_name,
            cast(null as {{ dbt.type_string() }}) as row_key,
            cast(null as {{ dbt.type_string() }}) as rule_name,
            cast(null as {{ dbt.type_string() }}) as column_name,
            cast(null as {{ dbt.type_string() }}) as offending_value
        from {{ ref('stg_tpch__region') }}
        where false
    {% endif %}

),

{#- Per table, its rows that break a rule, in one read of the table (few rows: each rule then reads the CTE). -#}
{% for table, spec in quarantine_rules().items() %}
    breaking_{{ table }} as (

        {{ quarantine_rows_breaking_rules(table, spec) }}

    ),

{% endfor -%}

rule_violations as (

    {% for table, spec in quarantine_rules().items() %}
        {{ quarantine_violations_of(table, spec, 'breaking_' ~ table) }}
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
