{#-
    The one reader of source('tpch', 'supplier') and the input of snapshot snp_tpch__supplier: live rows only, UTC
    timestamps without time zone (why: the model's description in _tpch__models.yml).
-#}


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
    {{ to_utc_timestamp('created_at') }} as created_at,
    {{ to_utc_timestamp('updated_at') }} as updated_at,

    -- audit
    {{ to_utc_timestamp(from_epoch_seconds('_dlt_load_id')) }} as loaded_at

from (

    select
        s_suppkey,
        s_nationkey,
        s_name,
        s_address,
        s_phone,
        s_comment,
        s_acctbal,
        {{ raw_audit_columns() }}
    from {{ source('tpch', 'supplier') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where {{ raw_rows() }}

) as raw_table
