select
    -- keys
    o_orderkey::bigint as order_id,

    -- timestamps
    _deleted_at::timestamptz as deleted_at,

    -- audit
    {{ from_epoch_seconds('_dlt_load_id') }} as loaded_at

from (

    select
        o_orderkey,
        {{ raw_deleted_at() }} as _deleted_at,
        {{ raw_load_id() }}
    from {{ source('tpch', 'orders') }}
    -- Only the tombstones: orders hard-deleted in the source, which raw keeps with _deleted_at set.
    where {{ raw_rows(tombstones=true) }}

) as raw_table
