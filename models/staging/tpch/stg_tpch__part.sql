{#-
    The one reader of source('tpch', 'part') and the input of snapshot snp_tpch__part: live rows only, UTC
    timestamps without time zone (why: the model's description in _tpch__models.yml).
-#}


select
    -- keys
    p_partkey::integer as part_id,

    -- attributes
    p_name::text as part_name,
    p_mfgr::text as manufacturer,
    p_brand::text as brand,
    p_type::text as part_type,
    p_size::integer as part_size,
    p_container::text as container,
    p_comment::text as part_comment,

    -- measures
    p_retailprice::numeric(15, 2) as retail_price,

    -- timestamps
    {{ to_utc_timestamp('created_at') }} as created_at,
    {{ to_utc_timestamp('updated_at') }} as updated_at,

    -- audit
    {{ to_utc_timestamp(from_epoch_seconds('_dlt_load_id')) }} as loaded_at

from (

    select
        p_partkey,
        p_name,
        p_mfgr,
        p_brand,
        p_type,
        p_size,
        p_container,
        p_comment,
        p_retailprice,
        {{ raw_audit_columns() }}
    from {{ source('tpch', 'part') }}
    -- Hard-deleted source rows stay in raw as tombstones; staging shows the source's current state.
    where {{ raw_rows() }}

) as raw_table
