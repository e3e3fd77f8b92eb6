select
    -- keys
    n_nationkey::integer as nation_id,
    n_regionkey::integer as region_id,

    -- attributes
    n_name::text as nation_name,
    n_comment::text as nation_comment,

    -- timestamps
    created_at::timestamptz as created_at,
    updated_at::timestamptz as updated_at,

    -- audit
    {{ from_epoch_seconds('_dlt_load_id') }} as loaded_at

from (

    select
        n_nationkey,
        n_regionkey,
        n_name,
        n_comment,
        {{ raw_audit_columns() }}
    from {{ source('tpch', 'nation') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where {{ raw_rows() }}

) as raw_table
