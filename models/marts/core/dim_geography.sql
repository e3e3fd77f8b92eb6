with

nations as (

    select
        nation_id,
        region_id,
        nation_name,
        nation_comment
    from {{ ref('int_nation_screened') }}

),

regions as (

    select
        region_id,
        region_name,
        region_comment
    from {{ ref('int_region_screened') }}

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

    {{ dimension_members({
        'geography_key': 'key',
        'nation_id': 'integer',
        'region_id': 'integer',
        'nation_name': 'name',
        'nation_comment': 'name',
        'region_name': 'name',
        'region_comment': 'name',
    }) }}

),

final as (

    select * from nations_in_regions
    union all
    select * from special_members

)

select * from final
