{#-
    The history of each part-supplier (partsupp row) in business time, from snapshot snp_tpch__partsupp: one
    row per version, half-open windows [valid_from, valid_to) with the dimensions' rules (the first version
    from var scd2_floor_date, later ones from the source's updated_at, the last to end_of_time()).

    One difference: a deletion record. The source writes no time for a delete, so the snapshot dates it at the
    wall clock of the run that found the row gone (dbt_valid_from), which for the demo is decades after the
    simulated business time. The facts need it in business time (fct_inventory_daily drops a deleted
    part-supplier from the day of its deletion), so here it starts at the business clock the warehouse had
    reached when the row was found gone: the latest updated_at among the versions loaded before that run.

    A table, not a view like the rest of the layer: fct_order_lines, fct_inventory_daily, dim_part_supplier,
    int_business_clock and its own tests read it, and as a view each of them re-ran its window functions over
    the whole snapshot (800k versions at SF 1), about ten times a build. Incremental: a build writes again only
    the part-suppliers whose current snapshot row is not the current version here (a new updated_at, a deletion
    record, a re-created key: macros/scd2/scd2_members_to_rebuild.sql), every version of each (SF 1, one day:
    6.3 s for all 890 k versions). A unique index on (part_id, supplier_id, valid_from), the version's key,
    created with the table: PostgreSQL enforces the key, so its uniqueness test reads the catalog instead of the
    900 k versions (1.1 s a build at SF 1), and the merge's delete finds a member's versions by it. The
    business clock of a deletion record reads every load, as a full build does; a version loaded late (a row
    the quarantine held until its part arrived) that moves the clock of earlier loads re-dates deletion records
    already written only on a --full-refresh.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['part_id', 'supplier_id'],
        on_schema_change='fail',
        indexes=[{'columns': ['part_id', 'supplier_id', 'valid_from'], 'unique': true}],
        post_hook=["{{ refresh_statistics(this) }}", "{{ record_model_watermark() }}"],
    )
}}

{%- set snapshot_columns = [
    'part_id', 'supplier_id', 'available_quantity', 'supply_cost', 'partsupp_comment', 'created_at', 'updated_at',
    'loaded_at',
] %}

with

{% if is_incremental() %}
-- The part-suppliers to write again. Every snapshot version is a version here (updated_at is tracked), so
-- the current row's updated_at and deleted flag tell whether this table has it.
members_to_rebuild as (

    {{ scd2_members_to_rebuild(ref('snp_tpch__partsupp'), ['part_id', 'supplier_id'], {
        'updated_at': 'snapshot_row.updated_at',
    }) }}

),

{% endif %}
-- One row per snapshot version of every part-supplier, with staging's names and types.
all_snapshot_versions as (

    {{ scd2_snapshot_versions(ref('snp_tpch__partsupp'), snapshot_columns) }}

),

-- The versions of the part-suppliers this build writes: all of them, or those to write again.
snapshot_versions as (

    {% if is_incremental() -%}
        {{ scd2_snapshot_versions(
            ref('snp_tpch__partsupp'), snapshot_columns, ['part_id', 'supplier_id'], 'members_to_rebuild'
        ) }}
    {%- else -%}
        select * from all_snapshot_versions
    {%- endif %}

),

-- The business clock after each dlt load: the latest updated_at of any version loaded by then.
load_clock as (

    select
        loaded_at,
        max(max(updated_at)) over (order by loaded_at rows between unbounded preceding and current row) as business_time
    from all_snapshot_versions
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

-- The snapshot versions with their start in business time, under the name scd2_versions reads
-- (snapshot_valid_from): its updated_at (= dbt_valid_from) for a version the source wrote; for a deletion
-- record its business time above, and at least one microsecond after the version it closes (whose updated_at
-- it repeats), so no window is empty.
business_versions as (

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
                    {{ dbt.dateadd('microsecond', 1, 'snapshot_versions.updated_at') }}
                )
            else snapshot_versions.snapshot_valid_from
        end as snapshot_valid_from
    from snapshot_versions
    left join deletion_business_times
        on
            snapshot_versions.part_id = deletion_business_times.part_id
            and snapshot_versions.supplier_id = deletion_business_times.supplier_id
            and snapshot_versions.snapshot_valid_from = deletion_business_times.snapshot_valid_from

),

-- Half-open windows with the dimensions' rules (macros/scd2/scd2_versions.sql): a version ends where the next
-- starts; the first reaches back to the floor date so an order line older than the first snapshot finds its
-- cost; the last ends where the snapshot's does. Every snapshot version is a version: updated_at moves with
-- each version the source wrote, and is_deleted with each deletion record.
versions as (

    {{ scd2_versions(
        'business_versions',
        ['part_id', 'supplier_id'],
        ['available_quantity', 'supply_cost', 'partsupp_comment', 'created_at', 'updated_at'],
    ) }}

),

final as (

    select
        -- keys
        part_id,
        supplier_id,

        -- attributes
        valid_to = {{ end_of_time() }} as is_current,
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

    from versions

)

select * from final
