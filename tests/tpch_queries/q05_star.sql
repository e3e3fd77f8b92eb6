-- TPC-H Q5 over the star. The source compares where customer and supplier are NOW, so the rewrite uses
-- current_geography_key (type 6) of both, not the versioned geography_key (where they were at order time),
-- and keeps only customers and suppliers that still exist. The revenue is the lines' net_revenue.
select
    geography.nation_name as n_name,
    sum(lines.net_revenue) as revenue
from fct_orders as orders
inner join dim_date as order_date
    on orders.order_date_key = order_date.date_key
inner join dim_customer as customer
    on orders.customer_key = customer.customer_key
inner join fct_order_lines as lines
    on orders.order_id = lines.order_id
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
    and order_date.date_day >= date '1994-01-01'
    and order_date.date_day < date '1994-01-01' + interval '1' year
group by
    geography.nation_name
order by
    revenue desc;
