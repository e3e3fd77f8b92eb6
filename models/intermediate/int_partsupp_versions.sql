{#-
    The history of each part-supplier (partsupp row) in business time, from snapshot snp_tpch__partsupp: one
    row per version, half-open windows [valid_from, valid_to) with the dimensions' rules (the first version
    from var scd2_floor_date, later ones from the source's updated_at, the last to 9999-12-31).

    One difference: a deletion record. The source writes no time for a delete, so the snapshot dates it at the
    wall clock of the run that found the row gone (dbt_valid_from), which for the demo is decades after the
    simulated business time. The facts need it in business time (fct_inventory_daily drops a deleted
    part-supplier from the day of its deletion), so here it starts at the business clock the warehouse had
    reached when the row was found gone: the latest updated_at among the versions loaded before that run.
-#}

with

partsupp_snapshot as (

    select
        ps_partkey,
        ps_suppkey,
        ps_availqty,
        ps_supplycost,
        ps_comment,
        created_at,
        updated_at,
        loaded_at,
        dbt_valid_from,
        dbt_valid_to,
        dbt_is_deleted
    from {{ ref('snp_tpch__partsupp') }}

),

-- One row per snapshot version, with staging's names and types.
snapshot_versions as (

    select
        ps_partkey::integer as part_id,
        ps_suppkey::integer as supplier_id,
        ps_availqty::integer as available_quantity,
        ps_supplycost::numeric(15, 2) as supply_cost,
        ps_comment::text as partsupp_comment,
        created_at,
        updated_at,
        loaded_at,
        dbt_valid_from as snapshot_valid_from,
        dbt_valid_to as snapshot_valid_to,
        -- a deletion record: the row is gone from the source from here on
        dbt_is_deleted = 'True' as is_deleted
    from partsupp_snapshot

),

-- The business clock after each dlt load: the latest updated_at of any version loaded by then.
load_clock as (

    select
        loaded_at,
        max(max(updated_at)) over (order by loaded_at rows unbounded preceding) as business_time
    from snapshot_versions
    where not is_deleted
    group by loaded_at

),

-- Each deletion record's business time: the clock of the last load before the snapshot run that found the
-- row gone (dbt_valid_from of the deletion record, wall clock like loaded_at).
deletion_business_times as (

    select
        snapshot_versions.part_id,
        snapshot_versions.supplier_id,
        snapshot_versions.snapshot_valid_from,
        max(load_clock.business_time) as business_time
    from snapshot_versions
    inner join load_clock
        on snapshot_versions.snapshot_valid_from >= load_clock.loaded_at
    where snapshot_versions.is_deleted
    group by
        snapshot_versions.part_id,
        snapshot_versions.supplier_id,
        snapshot_versions.snapshot_valid_from

),

-- When each version starts in business time: its updated_at (= dbt_valid_from) for a version the source
-- wrote; for a deletion record its business time above, and at least one microsecond after the version it
-- closes (whose updated_at it repeats), so no window is empty.
version_starts as (

    select
        snapshot_versions.part_id,
        snapshot_versions.supplier_id,
        snapshot_versions.is_deleted,
        snapshot_versions.available_quantity,
        snapshot_versions.supply_cost,
        snapshot_versions.partsupp_comment,
        snapshot_versions.created_at,
        snapshot_versions.updated_at,
        snapshot_versions.snapshot_valid_to,
        case
            when snapshot_versions.is_deleted
                then greatest(
                    coalesce(deletion_business_times.business_time, snapshot_versions.updated_at),
                    snapshot_versions.updated_at + interval '1 microsecond'
                )
            else snapshot_versions.snapshot_valid_from
        end as business_valid_from
    from snapshot_versions
    left join deletion_business_times
        on
            snapshot_versions.part_id = deletion_business_times.part_id
            and snapshot_versions.supplier_id = deletion_business_times.supplier_id
            and snapshot_versions.snapshot_valid_from = deletion_business_times.snapshot_valid_from

),

-- Half-open windows: a version ends where the next starts; the first reaches back to the floor date so an
-- order line older than the first snapshot finds its cost; the last ends where the snapshot's does.
versions as (

    select
        part_id,
        supplier_id,
        is_deleted,
        available_quantity,
        supply_cost,
        partsupp_comment,
        created_at,
        updated_at,
        case
            when row_number() over partsupp_history = 1 then '{{ var("scd2_floor_date") }}'::timestamp
            else business_valid_from
        end as valid_from,
        coalesce(
            lead(business_valid_from) over partsupp_history,
            snapshot_valid_to
        ) as valid_to
    from version_starts
    window partsupp_history as (partition by part_id, supplier_id order by business_valid_from)

),

current_flags as (

    select
        *,
        valid_to = '9999-12-31'::timestamp as is_current
    from versions

),

final as (

    select
        -- keys
        part_id,
        supplier_id,

        -- attributes
        is_current,
        is_deleted,
        partsupp_comment,

        -- measures
        available_quantity,
        supply_cost,

        -- timestamps
        valid_from,
        valid_to,
        created_at,
        updated_at

    from current_flags

)

select * from final
