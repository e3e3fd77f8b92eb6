{#-
    The live partsupp rows of raw, read by snapshot snp_tpch__partsupp: the source table as it is now, with the
    source's column names. Raw keeps rows hard-deleted in the source as tombstones (_deleted_at set), and a
    snapshot notices a delete only when a key is missing from what it reads, so tombstones are left out.
    Timestamps become UTC timestamps without time zone, the type of the snapshot's own times
    (macros/snapshots/snapshot_get_time.sql).
-#}

with

source as (

    select
        ps_partkey,
        ps_suppkey,
        ps_comment,
        ps_availqty,
        ps_supplycost,
        created_at,
        updated_at,
        _dlt_load_id
    from {{ source('tpch', 'partsupp') }}
    where _deleted_at is null

),

final as (

    select
        ps_partkey,
        ps_suppkey,
        ps_comment,
        ps_availqty,
        ps_supplycost,
        created_at at time zone 'utc' as created_at,
        updated_at at time zone 'utc' as updated_at,
        -- audit: when the dlt load that brought the row ran
        to_timestamp(_dlt_load_id::double precision) at time zone 'utc' as loaded_at
    from source

)

select * from final
