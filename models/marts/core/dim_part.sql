with

part_snapshot as (

    select
        p_partkey,
        p_name,
        p_mfgr,
        p_brand,
        p_type,
        p_size,
        p_container,
        p_retailprice,
        p_comment,
        dbt_valid_from,
        dbt_valid_to,
        dbt_is_deleted
    from {{ ref('snp_tpch__part') }}

),

-- One row per snapshot version, with staging's names and types.
snapshot_versions as (

    select
        p_partkey::integer as part_id,
        p_name::text as part_name,
        p_mfgr::text as manufacturer,
        p_brand::text as brand,
        p_type::text as part_type,
        p_size::integer as part_size,
        p_container::text as container,
        p_retailprice::numeric(15, 2) as retail_price,
        p_comment::text as part_comment,
        dbt_valid_from as snapshot_valid_from,
        dbt_valid_to as snapshot_valid_to,
        dbt_is_deleted = 'True' as is_deleted
    from part_snapshot

),

-- A version of the dimension starts at a part's first snapshot version and at every later one that changes
-- a type-2 attribute (size, container, retail price) or the deleted flag. A snapshot version that changes
-- type-1 attributes only (name, manufacturer, brand, type, comment) continues the version before it.
-- Half-open windows, the first from the floor date (macros/scd2/scd2_versions.sql).
versions as (

    {{ scd2_versions('snapshot_versions', 'part_id', ['part_size', 'container', 'retail_price']) }}

),

-- The part's latest snapshot version (for a deleted part the deletion record, which repeats the last
-- values): the values of the type-1 attributes and the type-6 current_ column on every version.
latest_values as (

    select
        part_id,
        part_name,
        manufacturer,
        brand,
        part_type,
        retail_price,
        part_comment
    from (
        select
            *,
            row_number() over (partition by part_id order by snapshot_valid_from desc) as recency
        from snapshot_versions
    ) as ranked_versions
    where recency = 1

),

part_versions as (

    select
        -- keys
        {{ surrogate_key(['versions.part_id', 'versions.valid_from']) }} as part_key,
        versions.part_id,

        -- attributes
        latest_values.part_name,
        latest_values.manufacturer,
        latest_values.brand,
        latest_values.part_type,
        versions.part_size,
        versions.container,
        latest_values.part_comment,
        versions.valid_to = '9999-12-31'::timestamp as is_current,
        versions.is_deleted,

        -- measures
        versions.retail_price,
        latest_values.retail_price as current_retail_price,

        -- timestamps
        versions.valid_from,
        versions.valid_to

    from versions
    inner join latest_values
        on versions.part_id = latest_values.part_id

),

-- The special members: valid at every moment, never deleted, their names saying which member they are.
special_members as (

    select
        member_key::bigint as part_key,
        null::integer as part_id,
        member_name as part_name,
        member_name as manufacturer,
        member_name as brand,
        member_name as part_type,
        null::integer as part_size,
        member_name as container,
        member_name as part_comment,
        true as is_current,
        false as is_deleted,
        null::numeric(15, 2) as retail_price,
        null::numeric(15, 2) as current_retail_price,
        '{{ var("scd2_floor_date") }}'::timestamp as valid_from,
        '9999-12-31'::timestamp as valid_to
    from (
        values
        ({{ unknown_key() }}, 'Unknown'),
        ({{ not_applicable_key() }}, 'Not applicable')
    ) as members (member_key, member_name)

),

final as (

    select * from part_versions
    union all
    select * from special_members

)

select * from final
