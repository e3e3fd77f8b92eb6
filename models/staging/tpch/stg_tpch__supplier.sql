{#-
    The one reader of source('tpch', 'supplier') and the input of snapshot snp_tpch__supplier: live rows only, UTC
    timestamps without time zone (why: the model's description in _tpch__models.yml).
-#}

with

source as (

    select
        s_suppkey,
        s_nationkey,
        s_name,
        s_address,
        s_phone,
        s_comment,
        s_acctbal,
        created_at,
        updated_at,
        _dlt_load_id
    from {{ source('tpch', 'supplier') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where _deleted_at is null

),

renamed as (

    select
        -- keys
        s_suppkey::integer as supplier_id,
        s_nationkey::integer as nation_id,

        -- attributes
        s_name::text as supplier_name,
        s_address::text as supplier_address,
        s_phone::text as phone_number,
        s_comment::text as supplier_comment,

        -- measures
        s_acctbal::numeric(15, 2) as account_balance,

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
