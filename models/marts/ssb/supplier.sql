with

suppliers as (

    select
        supplier_key,
        supplier_id,
        geography_key,
        supplier_name,
        supplier_address,
        phone_number
    from {{ ref('dim_supplier') }}

),

geographies as (

    select
        geography_key,
        nation_name,
        region_name
    from {{ ref('dim_geography') }}

),

-- Every version of every supplier, each in the nation it had in that version (the version's geography_key),
-- so a line joins the supplier as it was when the order was placed. The city is SSB's: the nation's
-- first 9 characters padded with spaces, then a digit; SSB's generator draws the digit at random, here it
-- is the supplier's natural key modulo 10, so it is stable across versions and full refreshes. A left join:
-- a version whose geography is missing keeps its lines, in nation and region 'Unknown'.
ssb_suppliers as (

    select
        suppliers.supplier_key as s_suppkey,
        suppliers.supplier_name as s_name,
        suppliers.supplier_address as s_address,
        suppliers.phone_number as s_phone,
        coalesce(geographies.nation_name, 'Unknown') as s_nation,
        coalesce(geographies.region_name, 'Unknown') as s_region,
        case
            when suppliers.supplier_id is null then suppliers.supplier_name
            else rpad(left(coalesce(geographies.nation_name, 'Unknown'), 9), 9) || (suppliers.supplier_id % 10)
        end as s_city

    from suppliers
    left join geographies
        on suppliers.geography_key = geographies.geography_key

),

-- SSB's column order (the specification's).
final as (

    select
        s_suppkey,
        s_name,
        s_address,
        s_city,
        s_nation,
        s_region,
        s_phone
    from ssb_suppliers

)

select * from final
