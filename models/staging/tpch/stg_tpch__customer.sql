{#-
    The one reader of source('tpch', 'customer') and the input of snapshot snp_tpch__customer: live rows only, UTC
    timestamps without time zone (why: the model's description in _tpch__models.yml).
-#}

select
    -- keys
    c_custkey::integer as customer_id,
    c_nationkey::integer as nation_id,

    -- attributes
    c_name::text as customer_name,
    c_address::text as customer_address,
    c_phone::text as phone_number,
    c_mktsegment::text as market_segment,
    c_comment::text as customer_comment,

    -- measures
    c_acctbal::numeric(15, 2) as account_balance,

    -- timestamps
    {{ to_utc_timestamp('created_at') }} as created_at,
    {{ to_utc_timestamp('updated_at') }} as updated_at,

    -- audit
    {{ to_utc_timestamp(from_epoch_seconds('_dlt_load_id')) }} as loaded_at

from (

    select
        c_custkey,
        c_nationkey,
        c_name,
        c_address,
        c_phone,
        c_mktsegment,
        c_comment,
        c_acctbal,
        {{ raw_audit_columns() }}
    from {{ source('tpch', 'customer') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where {{ raw_rows() }}

) as raw_table
