{#-
    The whole model of int_<table>_accepted: the last accepted version of every live row of the table, what
    snapshot snp_tpch__<table> records. A version that breaks a quarantine rule never gets here, so the row keeps
    its last good version (and the history never records the bad one) until the source corrects it; a row
    deleted in the source leaves (post-hook), so the snapshot closes its history. Incremental: each run merges
    the screened rows that are new or changed (updated_at or loaded_at differ) on the table's key.
    full_refresh=false: rebuilt from today's screened rows it would lose the last good version of every key
    quarantined now, which the snapshot would then record as deleted.
-#}
{% macro quarantine_accepted(table) %}
    {%- set spec = quarantine_rules()[table] -%}
    {%- set same_key, same_version = [], [] -%}
    {%- for column in spec.key -%}
        {%- do same_key.append('live.' ~ column ~ ' = accepted.' ~ column) -%}
        {%- do same_version.append('accepted.' ~ column ~ ' = screened.' ~ column) -%}
    {%- endfor -%}
    {%- do same_version.append('accepted.updated_at = screened.updated_at') -%}
    {%- do same_version.append('accepted.loaded_at = screened.loaded_at') -%}
    {%- do config(
        materialized='incremental',
        full_refresh=false,
        incremental_strategy='merge',
        unique_key=spec.key,
        on_schema_change='append_new_columns',
        post_hook=[
            "delete from {{ this }} as accepted where not exists (select 1 from {{ ref('" ~ spec.model
            ~ "') }} as live where " ~ same_key | join(' and ') ~ ")"
        ],
    ) -%}

-- depends_on: {{ ref(spec.model) }}

with

screened as (

    select * from {{ ref('int_' ~ table ~ '_screened') }}

),

final as (

    select screened.*
    from screened
    {% if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as accepted
            where
                {{ same_version | join('\n                and ') }}
        )
    {% endif %}

)

select * from final
{% endmacro %}
