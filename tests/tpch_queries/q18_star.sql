-- TPC-H Q18 over the star (the validation value QUANTITY = 300):
-- the orders whose lines sum to more than 300 units, with the customer's current name (type 1) and only
-- customers that still exist. o_totalprice is fct_orders.total_price, the source's own figure.
select
    customer.customer_name as c_name,
    customer.customer_id as c_custkey,
    orders.order_id as o_orderkey,
    order_date.date_day as o_orderdate,
    orders.total_price as o_totalprice,
    sum(lines.quantity) as sum
from fct_orders as orders
inner join dim_date as order_date
    on orders.order_date_key = order_date.date_key
inner join dim_customer as customer
    on orders.customer_key = customer.customer_key
inner join fct_order_lines as lines
    on orders.order_id = lines.order_id
where
    orders.order_id in (
        select big_lines.order_id
        from fct_order_lines as big_lines
        group by big_lines.order_id
        having sum(big_lines.quantity) > 300
    )
    and exists (
        select from dim_customer as live
        where live.customer_id = customer.customer_id and live.is_current and not live.is_deleted
    )
group by
    customer.customer_name,
    customer.customer_id,
    orders.order_id,
    order_date.date_day,
    orders.total_price
order by
    o_totalprice desc,
    o_orderdate,
    o_orderkey
limit 100;
