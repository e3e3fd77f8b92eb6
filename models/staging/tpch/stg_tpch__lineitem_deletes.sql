select
    -- keys
    l_orderkey::bigint as order_id,
    l_linenumber::integer as line_number,

    -- timestamps
    _deleted_at::timestamptz as deleted_at,

    -- audit
    {{ from_epoch_seconds('_dlt_load_id') }} as loaded_at

from (

    select
        l_orderkey,
        l_linenumber,
        {{ raw_deleted_at() }} as _deleted_at,
        {{ raw_load_id() }}
    from {{ source('tpch', 'lineitem') }}
    -- Only the tombstones: lines hard-deleted in the source, which raw keeps with _deleted_at set.
    where {{ raw_rows(tombstones=true) }}

) as raw_table
