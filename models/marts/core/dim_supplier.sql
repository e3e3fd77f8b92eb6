with

supplier_snapshot as (

    select
        s_suppkey,
        s_nationkey,
        s_name,
        s_address,
        s_phone,
        s_acctbal,
        s_comment,
        dbt_valid_from,
        dbt_valid_to,
        dbt_is_deleted
    from {{ ref('snp_tpch__supplier') }}

),

-- One row per snapshot version, with staging's names and types.
snapshot_versions as (

    select
        s_suppkey::integer as supplier_id,
        s_nationkey::integer as nation_id,
        s_name::text as supplier_name,
        s_address::text as supplier_address,
        s_phone::text as phone_number,
        s_acctbal::numeric(15, 2) as account_balance,
        s_comment::text as supplier_comment,
        dbt_valid_from as snapshot_valid_from,
        dbt_valid_to as snapshot_valid_to,
        dbt_is_deleted = 'True' as is_deleted
    from supplier_snapshot

),

-- A version of the dimension starts at a supplier's first snapshot version and at every later one that
-- changes its nation (the one type-2 attribute) or the deleted flag. A snapshot version that changes type-1
-- attributes only (name, address, phone, balance, comment) continues the version before it.
-- Half-open windows, the first from the floor date (macros/scd2/scd2_versions.sql).
versions as (

    {{ scd2_versions('snapshot_versions', 'supplier_id', ['nation_id']) }}

),

-- The supplier's latest snapshot version (for a deleted supplier the deletion record, which repeats the
-- last values): the values of the type-1 attributes and the type-6 current_ column on every version.
latest_values as (

    select
        supplier_id,
        supplier_name,
        supplier_address,
        phone_number,
        nation_id,
        account_balance,
        supplier_comment
    from (
        select
            *,
            row_number() over (partition by supplier_id order by snapshot_valid_from desc) as recency
        from snapshot_versions
    ) as ranked_versions
    where recency = 1

),

supplier_versions as (

    select
        -- keys
        {{ surrogate_key(['versions.supplier_id', 'versions.valid_from']) }} as supplier_key,
        versions.supplier_id,
        case
            when versions.nation_id is null then {{ unknown_key() }}
            else {{ surrogate_key(['versions.nation_id']) }}
        end as geography_key,
        case
            when latest_values.nation_id is null then {{ unknown_key() }}
            else {{ surrogate_key(['latest_values.nation_id']) }}
        end as current_geography_key,

        -- attributes
        latest_values.supplier_name,
        latest_values.supplier_address,
        latest_values.phone_number,
        latest_values.supplier_comment,
        versions.valid_to = '9999-12-31'::timestamp as is_current,
        versions.is_deleted,

        -- measures
        latest_values.account_balance,

        -- timestamps
        versions.valid_from,
        versions.valid_to

    from versions
    inner join latest_values
        on versions.supplier_id = latest_values.supplier_id

),

-- The special members: valid at every moment, never deleted, their names saying which member they are.
special_members as (

    select
        member_key::bigint as supplier_key,
        null::integer as supplier_id,
        member_key::bigint as geography_key,
        member_key::bigint as current_geography_key,
        member_name as supplier_name,
        member_name as supplier_address,
        member_name as phone_number,
        member_name as supplier_comment,
        true as is_current,
        false as is_deleted,
        null::numeric(15, 2) as account_balance,
        '{{ var("scd2_floor_date") }}'::timestamp as valid_from,
        '9999-12-31'::timestamp as valid_to
    from (
        values
        ({{ unknown_key() }}, 'Unknown'),
        ({{ not_applicable_key() }}, 'Not applicable')
    ) as members (member_key, member_name)

),

final as (

    select * from supplier_versions
    union all
    select * from special_members

)

select * from final
