-- TPC-H Q7 over the star: the volume is the line's net_revenue; the nations are where the supplier and the
-- customer are NOW (current_geography_key, type 6), as the source reads them; only members that still exist.
-- The ship dates are a range of ship_date_key (dim_date.date_key is the day as yyyymmdd, in the order of the
-- days; the special members are negative, outside any range), which reaches the fact's BRIN index on it.
select
    supplier_nation.nation_name as supp_nation,
    customer_nation.nation_name as cust_nation,
    ship_date.calendar_year as l_year,
    sum(lines.net_revenue) as revenue
from fct_order_lines as lines
inner join dim_date as ship_date
    on lines.ship_date_key = ship_date.date_key
inner join dim_supplier as supplier
    on lines.supplier_key = supplier.supplier_key
inner join dim_customer as customer
    on lines.customer_key = customer.customer_key
inner join dim_geography as supplier_nation
    on supplier.current_geography_key = supplier_nation.geography_key
inner join dim_geography as customer_nation
    on customer.current_geography_key = customer_nation.geography_key
where
    (
        (supplier_nation.nation_name = 'FRANCE' and customer_nation.nation_name = 'GERMANY')
        or (supplier_nation.nation_name = 'GERMANY' and customer_nation.nation_name = 'FRANCE')
    )
    and lines.ship_date_key between 19950101 and 19961231
    and exists (
        select from dim_customer as live
        where live.customer_id = customer.customer_id and live.is_current and not live.is_deleted
    )
    and exists (
        select from dim_supplier as live
        where live.supplier_id = supplier.supplier_id and live.is_current and not live.is_deleted
    )
group by
    supplier_nation.nation_name,
    customer_nation.nation_name,
    ship_date.calendar_year
order by
    supp_nation,
    cust_nation,
    l_year;
