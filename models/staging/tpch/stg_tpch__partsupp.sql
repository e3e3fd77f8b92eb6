{#-
    The one reader of source('tpch', 'partsupp') and the input of snapshot snp_tpch__partsupp: live rows only,
    UTC timestamps without time zone (why: the model's description in _tpch__models.yml).
-#}

with

source as (

    select
        ps_partkey,
        ps_suppkey,
        ps_comment,
        ps_availqty,
        ps_supplycost,
        created_at,
        updated_at,
        _dlt_load_id
    from {{ source('tpch', 'partsupp') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where _deleted_at is null

),

renamed as (

    select
        -- keys
        ps_partkey::integer as part_id,
        ps_suppkey::integer as supplier_id,

        -- attributes
        ps_comment::text as partsupp_comment,

        -- measures
        ps_availqty::integer as available_quantity,
        ps_supplycost::numeric(15, 2) as supply_cost,

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
