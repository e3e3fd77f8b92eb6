with

customers as (

    select
        customer_key,
        customer_id,
        geography_key,
        customer_name,
        customer_address,
        phone_number,
        market_segment
    from {{ ref('dim_customer') }}

),

geographies as (

    select
        geography_key,
        nation_name,
        region_name
    from {{ ref('dim_geography') }}

),

-- Every version of every customer, each in the nation it had in that version (the version's geography_key),
-- so a line joins the customer as they were when the order was placed. The city is SSB's: the nation's
-- first 9 characters padded with spaces, then a digit; SSB's generator draws the digit at random, here it
-- is the customer's natural key modulo 10, so it is stable across versions and full refreshes. A left join:
-- a version whose geography is missing keeps its lines, in nation and region 'Unknown'.
ssb_customers as (

    select
        customers.customer_key as c_custkey,
        customers.customer_name as c_name,
        customers.customer_address as c_address,
        customers.phone_number as c_phone,
        customers.market_segment as c_mktsegment,
        coalesce(geographies.nation_name, 'Unknown') as c_nation,
        coalesce(geographies.region_name, 'Unknown') as c_region,
        case
            when customers.customer_id is null then customers.customer_name
            else rpad(left(coalesce(geographies.nation_name, 'Unknown'), 9), 9) || (customers.customer_id % 10)
        end as c_city

    from customers
    left join geographies
        on customers.geography_key = geographies.geography_key

),

-- SSB's column order (the specification's).
final as (

    select
        c_custkey,
        c_name,
        c_address,
        c_city,
        c_nation,
        c_region,
        c_phone,
        c_mktsegment
    from ssb_customers

)

select * from final
