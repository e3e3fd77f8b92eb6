select
    -- keys
    r_regionkey::integer as region_id,

    -- attributes
    r_name::text as region_name,
    r_comment::text as region_comment,

    -- timestamps
    created_at::timestamptz as created_at,
    updated_at::timestamptz as updated_at,

    -- audit
    {{ from_epoch_seconds('_dlt_load_id') }} as loaded_at

from (

    select
        r_regionkey,
        r_name,
        r_comment,
        {{ raw_audit_columns() }}
    from {{ source('tpch', 'region') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where {{ raw_rows() }}

) as raw_table
