{#-
    The one reader of source('tpch', 'partsupp') and the input of snapshot snp_tpch__partsupp: live rows only,
    UTC timestamps without time zone (why: the model's description in _tpch__models.yml).
-#}


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
    {{ to_utc_timestamp('created_at') }} as created_at,
    {{ to_utc_timestamp('updated_at') }} as updated_at,

    -- audit
    {{ to_utc_timestamp(from_epoch_seconds('_dlt_load_id')) }} as loaded_at

from (

    select
        ps_partkey,
        ps_suppkey,
        ps_comment,
        ps_availqty,
        ps_supplycost,
        {{ raw_audit_columns() }}
    from {{ source('tpch', 'partsupp') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where {{ raw_rows() }}

) as raw_table
