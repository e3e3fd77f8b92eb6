{#-
    The live customer rows of raw, read by snapshot snp_tpch__customer: the source table as it is now, with the
    source's column names. Raw keeps rows hard-deleted in the source as tombstones (_deleted_at set), and a
    snapshot notices a delete only when a key is missing from what it reads, so tombstones are left out.
    Timestamps become UTC timestamps without time zone, the type of the snapshot's own times
    (macros/snapshots/snapshot_get_time.sql).
-#}

with

source as (

    select
        c_custkey,
        c_nationkey,
        c_name,
        c_address,
        c_phone,
        c_mktsegment,
        c_comment,
        c_acctbal,
        created_at,
        updated_at,
        _dlt_load_id
    from {{ source('tpch', 'customer') }}
    where _deleted_at is null

),

final as (

    select
        c_custkey,
        c_nationkey,
        c_name,
        c_address,
        c_phone,
        c_mktsegment,
        c_comment,
        c_acctbal,
        created_at at time zone 'utc' as created_at,
        updated_at at time zone 'utc' as updated_at,
        -- audit: when the dlt load that brought the row ran
        to_timestamp(_dlt_load_id::double precision) at time zone 'utc' as loaded_at
    from source

)

select * from final
