{#-
    The whole model of int_<table>_accepted: the last accepted version of every live row of the table, what
    snapshot snp_tpch__<table> records. A version that breaks a quarantine rule never gets here, so the row keeps
    its last good version (and the history never records the bad one) until the source corrects it; a row
    deleted in the source leaves (post-hook), so the snapshot closes its history. Incremental: each run merges
    the screened rows that are new or changed (updated_at or loaded_at differ) on the table's key.
    full_refresh=false: rebuilt from today's screened rows it would lose the last good version of every key
    quarantined now, which the snapshot would then record as deleted.

    What an incremental run reads (quarantine_accepted_candidates): a screened row can only differ from the
    accepted one of its key when its load came after the load watermark of the model's last build (recorded by
    a post-hook in audit.model_watermarks: macros/facts/model_watermarks.sql), or when it was
    quarantined and has been released since (its parent arrived, or the rule stopped applying): its key then has
    a resolved event in quarantine_events. Every other screened row was whole in raw, and screened, when an
    earlier build merged. So a build compares those rows only, not the whole table (at SF 1, partsupp's 800 k
    rows: 3.7 s to compare them all). The first build, `dbt build --full-refresh` and
    `--vars '{quarantine_checks: full}'` compare every screened row.
    Deletes: raw holds one row per key, live or a tombstone (`_deleted_at` set), and keeps its tombstones
    through every load, a full reload included; so the keys to delete are the tombstones' (read through raw's
    partial index on them), not every key missing from staging (an anti-join of the whole table: 2.9 s).
    A unique index on the key (macro unique_index, created once, also on warehouses built before it) lets the
    merge, the comparison and the delete probe the accepted rows by key.
-#}
{% macro quarantine_accepted(table) %}
    {%- set spec = quarantine_rules()[table] -%}
    {%- set same_version, tombstone_key = [], [] -%}
    {%- for column in spec.key -%}
        {%- do same_version.append('accepted.' ~ column ~ ' = candidate.' ~ column) -%}
        {%- do tombstone_key.append('tombstone.' ~ spec.source_key[loop.index0] ~ ' = accepted.' ~ column) -%}
    {%- endfor -%}
    {%- do same_version.append('accepted.updated_at = candidate.updated_at') -%}
    {%- do same_version.append('accepted.loaded_at = candidate.loaded_at') -%}
    {%- do config(
        materialized='incremental',
        full_refresh=false,
        incremental_strategy='merge',
        unique_key=spec.key,
        on_schema_change='append_new_columns',
        post_hook=[
            "{{ unique_index(this, " ~ tojson(spec.key) ~ ") }}",
            "{{ record_model_watermark() }}",
            "delete from {{ this }} as accepted where exists (select 1 from {{ source('tpch', '" ~ table
            ~ "') }} as tombstone where {{ raw_rows(tombstones=true) }} and " ~ tombstone_key | join(' and ') ~ ")",
        ],
    ) -%}

    {%- set changed = quarantine_accepted_candidates(table, spec) -%}
    {%- set every_screened_row = 'select * from ' ~ ref('int_' ~ table ~ '_screened') -%}

-- depends_on: {{ source('tpch', table) }}
-- depends_on: {{ ref('quarantine_events') }}

with

candidates as (

    {{ every_screened_row if changed is none else changed }}

),

-- Every screened row, on a build that compares them all: those the accepted rows already hold are left out.
-- The few a scoped build reads are merged as they are (a row equal to the accepted one changes nothing).
final as (

    select candidate.*
    from candidates as candidate
    {% if is_incremental() and changed is none %}
        where not exists (
            select 1 from {{ this }} as accepted
            where
                {{ same_version | join('\n                and ') }}
        )
    {% endif %}

)

select * from final
{% endmacro %}
