select
    -- keys
    o_orderkey::bigint as order_id,
    o_custkey::integer as customer_id,

    -- attributes
    o_orderstatus::text as order_status,
    o_orderpriority::text as order_priority,
    o_clerk::text as clerk_name,
    o_shippriority::integer as ship_priority,
    o_comment::text as order_comment,

    -- measures
    o_totalprice::numeric(15, 2) as total_price,

    -- dates and timestamps
    o_orderdate::date as order_date,
    created_at::timestamptz as created_at,
    updated_at::timestamptz as updated_at,

    -- audit
    {{ from_epoch_seconds('_dlt_load_id') }} as loaded_at

from (

    select
        o_orderkey,
        o_custkey,
        o_orderstatus,
        o_orderpriority,
        o_clerk,
        o_shippriority,
        o_comment,
        o_totalprice,
        o_orderdate,
        {{ raw_audit_columns() }}
    from {{ source('tpch', 'orders') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where {{ raw_rows() }}

) as raw_table
