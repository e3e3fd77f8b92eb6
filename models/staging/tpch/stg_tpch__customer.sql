{#-
    The one reader of source('tpch', 'customer') and the input of snapshot snp_tpch__customer: live rows only, UTC
    timestamps without time zone (why: the model's description in _tpch__models.yml).
-#}

with

source as (

    select
        c_custkey,
        c_nationkey,
        c_name,
        c_address,
        c_phone,
        c_mktsegment,
        c_comment,
        c_acctbal,
        created_at,
        updated_at,
        _dlt_load_id
    from {{ source('tpch', 'customer') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where _deleted_at is null

),

renamed as (

    select
        -- keys
        c_custkey::integer as customer_id,
        c_nationkey::integer as nation_id,

        -- attributes
        c_name::text as customer_name,
        c_address::text as customer_address,
        c_phone::text as phone_number,
        c_mktsegment::text as market_segment,
        c_comment::text as customer_comment,

        -- measures
        c_acctbal::numeric(15, 2) as account_balance,

        -- timestamps
        created_at at time zone 'utc' as created_at,
        updated_at at time zone 'utc' as updated_at,

        -- audit
        to_timestamp(_dlt_load_id::double precision) at time zone 'utc' as loaded_at

    from source

),

final as (

    select * from renamed

)

select * from final
