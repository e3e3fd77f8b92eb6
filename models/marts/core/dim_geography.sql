with

nations as (

    select
        nation_id,
        region_id,
        nation_name,
        nation_comment
    from {{ ref('stg_tpch__nation') }}

),

regions as (

    select
        region_id,
        region_name,
        region_comment
    from {{ ref('stg_tpch__region') }}

),

-- A left join: a nation whose region is missing stays in the dimension, in region 'Unknown'.
nations_in_regions as (

    select
        -- keys
        {{ surrogate_key(['nations.nation_id']) }} as geography_key,
        nations.nation_id,
        nations.region_id,

        -- attributes
        nations.nation_name,
        nations.nation_comment,
        coalesce(regions.region_name, 'Unknown') as region_name,
        regions.region_comment

    from nations
    left join regions
        on nations.region_id = regions.region_id

),

special_members as (

    select
        member_key::bigint as geography_key,
        null::integer as nation_id,
        null::integer as region_id,
        member_name as nation_name,
        member_name as nation_comment,
        member_name as region_name,
        member_name as region_comment
    from (
        values
        ({{ unknown_key() }}, 'Unknown'),
        ({{ not_applicable_key() }}, 'Not applicable')
    ) as members (member_key, member_name)

),

final as (

    select * from nations_in_regions
    union all
    select * from special_members

)

select * from final
