-- TPC-H Q5 over the star. The source compares where customer and supplier are NOW, so the rewrite uses
-- current_geography_key (type 6) of both, not the versioned geography_key (where they were at order time),
-- and keeps only customers and suppliers that still exist. The revenue is the lines' net_revenue.
-- The lines alone answer it: each carries its order's customer version (customer_key, the same point-in-time
-- rule as fct_orders) and order date (order_date_key), so no fct_orders row is read; the year is a range of
-- order_date_key (dim_date.date_key is the day as yyyymmdd, in the order of the days), which the fact's
-- b-tree on it reads as one contiguous seventh of the fact (written in order-date order).
select
    geography.nation_name as n_name,
    sum(lines.net_revenue) as revenue
from fct_order_lines as lines
inner join dim_customer as customer
    on lines.customer_key = customer.customer_key
inner join dim_supplier as supplier
    on lines.supplier_key = supplier.supplier_key
inner join dim_geography as geography
    on supplier.current_geography_key = geography.geography_key
where
    customer.current_geography_key = supplier.current_geography_key
    and geography.region_name = 'ASIA'
    and exists (
        select from dim_customer as live
        where live.customer_id = customer.customer_id and live.is_current and not live.is_deleted
    )
    and exists (
        select from dim_supplier as live
        where live.supplier_id = supplier.supplier_id and live.is_current and not live.is_deleted
    )
    and lines.order_date_key >= 19940101
    and lines.order_date_key < 19950101
group by
    geography.nation_name
order by
    revenue desc;
