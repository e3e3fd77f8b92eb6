{#-
    One row per rule a current row breaks now: the rows the star keeps out. Rules found by dbt on the staging
    readers (macros/quarantine/quarantine_rules.sql), and the rows the ingest holds back in the source
    (raw_tpch.held_rows: updated_at after the source's clock or NULL; PostgreSQL only). quarantine_events keeps
    the history.

    A table, and a build checks only what can have changed since the last one (quarantine_recheck_units: rows
    loaded since its load watermark, rows listed now, rows whose parent was loaded since or deleted) and keeps
    what those give: every other row broke no rule then and breaks none now. Every row is checked on the first
    build, with --full-refresh or `--vars '{quarantine_checks: full}'`, and when the rules changed
    (macros/quarantine/quarantine_checks.sql). SF 1, a simulated day and a few bad rows planted: 10 s to check
    every row, 2.4-3.8 s for the change, the same rows.
-#}
{{ config(
    materialized='table',
    post_hook=["{{ record_quarantine_check()[0] }}", "{{ record_quarantine_check()[1] }}"],
) }}

{%- set checked_through = quarantine_checked_through() %}

{#- The units to check again read the parents' tombstones in raw. -#}
{% for table in quarantine_rules() %}
-- depends_on: {{ source('tpch', table) }}
{% endfor %}

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

{#- Per table, its rows that break a rule, in one read of the table or of its units to check again (few rows:
    each rule then reads the CTE). -#}
{% for table, spec in quarantine_rules().items() %}
    {%- if checked_through is not none %}
        recheck_{{ table }} as (

            {{ quarantine_recheck_units(table, spec, checked_through) }}

        ),

        rows_to_check_{{ table }} as {{ cte_evaluated_once() }} (

            {{ quarantine_rows_to_check(spec, 'recheck_' ~ table) }}

        ),
    {%- endif %}

    breaking_{{ table }} as (

        {{ quarantine_rows_breaking_rules(table, spec, none if checked_through is none else 'rows_to_check_' ~ table) }}

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
