select
    -- keys
    l_orderkey::bigint as order_id,
    l_linenumber::integer as line_number,
    l_partkey::integer as part_id,
    l_suppkey::integer as supplier_id,

    -- attributes
    l_returnflag::text as return_flag,
    l_linestatus::text as line_status,
    l_shipinstruct::text as ship_instructions,
    l_shipmode::text as ship_mode,
    l_comment::text as lineitem_comment,

    -- measures
    l_quantity::numeric(15, 2) as quantity,
    l_extendedprice::numeric(15, 2) as extended_price,
    l_discount::numeric(15, 2) as discount_rate,
    l_tax::numeric(15, 2) as tax_rate,

    -- dates and timestamps
    l_shipdate::date as ship_date,
    l_commitdate::date as commit_date,
    l_receiptdate::date as receipt_date,
    created_at::timestamptz as created_at,
    updated_at::timestamptz as updated_at,

    -- audit
    {{ from_epoch_seconds('_dlt_load_id') }} as loaded_at

from (

    select
        l_orderkey,
        l_linenumber,
        l_partkey,
        l_suppkey,
        l_returnflag,
        l_linestatus,
        l_shipinstruct,
        l_shipmode,
        l_comment,
        l_quantity,
        l_extendedprice,
        l_discount,
        l_tax,
        l_shipdate,
        l_commitdate,
        l_receiptdate,
        {{ raw_audit_columns() }}
    from {{ source('tpch', 'lineitem') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where {{ raw_rows() }}

) as raw_table
