with

customer_snapshot as (

    select
        c_custkey,
        c_nationkey,
        c_name,
        c_address,
        c_phone,
        c_mktsegment,
        c_acctbal,
        c_comment,
        dbt_valid_from,
        dbt_valid_to,
        dbt_is_deleted
    from {{ ref('snp_tpch__customer') }}

),

-- One row per snapshot version, with staging's names and types.
snapshot_versions as (

    select
        c_custkey::integer as customer_id,
        c_nationkey::integer as nation_id,
        c_name::text as customer_name,
        c_address::text as customer_address,
        c_phone::text as phone_number,
        c_mktsegment::text as market_segment,
        c_acctbal::numeric(15, 2) as account_balance,
        c_comment::text as customer_comment,
        dbt_valid_from as snapshot_valid_from,
        dbt_valid_to as snapshot_valid_to,
        dbt_is_deleted = 'True' as is_deleted
    from customer_snapshot

),

-- A version of the dimension starts at a customer's first snapshot version and at every later one that
-- changes a type-2 attribute (nation, market segment) or the deleted flag. A snapshot version that changes
-- type-1 attributes only (name, address, phone, balance, comment) continues the version before it.
-- Half-open windows, the first from the floor date (macros/scd2/scd2_versions.sql).
versions as (

    {{ scd2_versions('snapshot_versions', 'customer_id', ['nation_id', 'market_segment']) }}

),

-- The customer's latest snapshot version (for a deleted customer the deletion record, which repeats the
-- last values): the values of the type-1 attributes and the type-6 current_ columns on every version.
latest_values as (

    select
        customer_id,
        customer_name,
        customer_address,
        phone_number,
        nation_id,
        market_segment,
        account_balance,
        customer_comment
    from (
        select
            *,
            row_number() over (partition by customer_id order by snapshot_valid_from desc) as recency
        from snapshot_versions
    ) as ranked_versions
    where recency = 1

),

customer_versions as (

    select
        -- keys
        {{ surrogate_key(['versions.customer_id', 'versions.valid_from']) }} as customer_key,
        versions.customer_id,
        case
            when versions.nation_id is null then {{ unknown_key() }}
            else {{ surrogate_key(['versions.nation_id']) }}
        end as geography_key,
        case
            when latest_values.nation_id is null then {{ unknown_key() }}
            else {{ surrogate_key(['latest_values.nation_id']) }}
        end as current_geography_key,

        -- attributes
        latest_values.customer_name,
        latest_values.customer_address,
        latest_values.phone_number,
        versions.market_segment,
        latest_values.market_segment as current_market_segment,
        latest_values.customer_comment,
        versions.valid_to = '9999-12-31'::timestamp as is_current,
        versions.is_deleted,

        -- measures
        latest_values.account_balance,

        -- timestamps
        versions.valid_from,
        versions.valid_to

    from versions
    inner join latest_values
        on versions.customer_id = latest_values.customer_id

),

-- The special members: valid at every moment, never deleted, their names saying which member they are.
special_members as (

    select
        member_key::bigint as customer_key,
        null::integer as customer_id,
        member_key::bigint as geography_key,
        member_key::bigint as current_geography_key,
        member_name as customer_name,
        member_name as customer_address,
        member_name as phone_number,
        member_name as market_segment,
        member_name as current_market_segment,
        member_name as customer_comment,
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

    select * from customer_versions
    union all
    select * from special_members

)

select * from final
