{#-
    The last accepted version of every live part: what snapshot snp_tpch__part records. A version that
    breaks a quarantine rule never gets here, so the part keeps its last good version (and the history never
    records the bad one) until the source corrects it; a part deleted in the source leaves (post-hook), so
    the snapshot closes its history. Incremental: each run merges the screened rows that are new or changed.
    full_refresh=false: rebuilt from today's screened rows it would lose the last good version of every key
    quarantined now, which the snapshot would then record as deleted.
-#}
{{
    config(
        materialized='incremental',
        full_refresh=false,
        incremental_strategy='merge',
        unique_key=['part_id'],
        on_schema_change='append_new_columns',
        post_hook=[
            "delete from {{ this }} as accepted
            where not exists (
                select 1 from {{ ref('stg_tpch__part') }} as live
                where live.part_id = accepted.part_id
            )"
        ],
    )
}}

-- depends_on: {{ ref('stg_tpch__part') }}

with

screened as (

    select
        part_id,
        part_name,
        manufacturer,
        brand,
        part_type,
        part_size,
        container,
        part_comment,
        retail_price,
        created_at,
        updated_at,
        loaded_at
    from {{ ref('int_part_screened') }}

),

final as (

    select
        screened.part_id,
        screened.part_name,
        screened.manufacturer,
        screened.brand,
        screened.part_type,
        screened.part_size,
        screened.container,
        screened.part_comment,
        screened.retail_price,
        screened.created_at,
        screened.updated_at,
        screened.loaded_at
    from screened
    {% if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as accepted
            where
                accepted.part_id = screened.part_id
                and accepted.updated_at = screened.updated_at
                and accepted.loaded_at = screened.loaded_at
        )
    {% endif %}

)

select * from final
