{#-
    The last accepted version of every live partsupp: what snapshot snp_tpch__partsupp records. A version that
    breaks a quarantine rule never gets here, so the partsupp keeps its last good version (and the history never
    records the bad one) until the source corrects it; a partsupp deleted in the source leaves (post-hook), so
    the snapshot closes its history. Incremental: each run merges the screened rows that are new or changed.
    full_refresh=false: rebuilt from today's screened rows it would lose the last good version of every key
    quarantined now, which the snapshot would then record as deleted.
-#}
{{
    config(
        materialized='incremental',
        full_refresh=false,
        incremental_strategy='merge',
        unique_key=['part_id', 'supplier_id'],
        on_schema_change='append_new_columns',
        post_hook=[
            "delete from {{ this }} as accepted
            where not exists (
                select 1 from {{ ref('stg_tpch__partsupp') }} as live
                where live.part_id = accepted.part_id and live.supplier_id = accepted.supplier_id
            )"
        ],
    )
}}

-- depends_on: {{ ref('stg_tpch__partsupp') }}

with

screened as (

    select
        part_id,
        supplier_id,
        partsupp_comment,
        available_quantity,
        supply_cost,
        created_at,
        updated_at,
        loaded_at
    from {{ ref('int_partsupp_screened') }}

),

final as (

    select
        screened.part_id,
        screened.supplier_id,
        screened.partsupp_comment,
        screened.available_quantity,
        screened.supply_cost,
        screened.created_at,
        screened.updated_at,
        screened.loaded_at
    from screened
    {% if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as accepted
            where
                accepted.part_id = screened.part_id
                and accepted.supplier_id = screened.supplier_id
                and accepted.updated_at = screened.updated_at
                and accepted.loaded_at = screened.loaded_at
        )
    {% endif %}

)

select * from final
