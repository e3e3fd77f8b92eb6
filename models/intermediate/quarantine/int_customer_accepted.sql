{#-
    The last accepted version of every live customer: what snapshot snp_tpch__customer records. A version that
    breaks a quarantine rule never gets here, so the customer keeps its last good version (and the history never
    records the bad one) until the source corrects it; a customer deleted in the source leaves (post-hook), so
    the snapshot closes its history. Incremental: each run merges the screened rows that are new or changed.
    full_refresh=false: rebuilt from today's screened rows it would lose the last good version of every key
    quarantined now, which the snapshot would then record as deleted.
-#}
{{
    config(
        materialized='incremental',
        full_refresh=false,
        incremental_strategy='merge',
        unique_key=['customer_id'],
        on_schema_change='append_new_columns',
        post_hook=[
            "delete from {{ this }} as accepted
            where not exists (
                select 1 from {{ ref('stg_tpch__customer') }} as live
                where live.customer_id = accepted.customer_id
            )"
        ],
    )
}}

-- depends_on: {{ ref('stg_tpch__customer') }}

with

screened as (

    select
        customer_id,
        nation_id,
        customer_name,
        customer_address,
        phone_number,
        market_segment,
        customer_comment,
        account_balance,
        created_at,
        updated_at,
        loaded_at
    from {{ ref('int_customer_screened') }}

),

final as (

    select
        screened.customer_id,
        screened.nation_id,
        screened.customer_name,
        screened.customer_address,
        screened.phone_number,
        screened.market_segment,
        screened.customer_comment,
        screened.account_balance,
        screened.created_at,
        screened.updated_at,
        screened.loaded_at
    from screened
    {% if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as accepted
            where
                accepted.customer_id = screened.customer_id
                and accepted.updated_at = screened.updated_at
                and accepted.loaded_at = screened.loaded_at
        )
    {% endif %}

)

select * from final
