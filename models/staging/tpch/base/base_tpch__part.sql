{#-
    The live part rows of raw, read by snapshot snp_tpch__part: the source table as it is now, with the
    source's column names. Raw keeps rows hard-deleted in the source as tombstones (_deleted_at set), and a
    snapshot notices a delete only when a key is missing from what it reads, so tombstones are left out.
    Timestamps become UTC timestamps without time zone, the type of the snapshot's own times
    (macros/snapshots/snapshot_get_time.sql).
-#}

with

source as (

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
        created_at,
        updated_at,
        _dlt_load_id
    from {{ source('tpch', 'part') }}
    where _deleted_at is null

),

final as (

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
        created_at at time zone 'utc' as created_at,
        updated_at at time zone 'utc' as updated_at,
        -- audit: when the dlt load that brought the row ran
        to_timestamp(_dlt_load_id::double precision) at time zone 'utc' as loaded_at
    from source

)

select * from final
