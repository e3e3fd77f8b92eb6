-- TPC-H Q18 over the star (the validation value QUANTITY = 300):
-- the orders whose lines sum to more than 300 units, with the customer's current name (type 1) and only
-- customers that still exist. o_totalprice is fct_orders.total_price, the source's own figure.
-- The order's units are fct_orders.quantity, the accumulating snapshot's sum of the order's lines (the same
-- lines as fct_order_lines'): one pass over the orders instead of grouping all 6 M lines by order and then
-- fetching the chosen orders' lines again (SF 1: 9.8 s, the source text 8.8 s).
select
    customer.customer_name as c_name,
    customer.customer_id as c_custkey,
    orders.order_id as o_orderkey,
    order_date.date_day as o_orderdate,
    orders.total_price as o_totalprice,
    orders.quantity as sum
from fct_orders as orders
inner join dim_date as order_date
    on orders.order_date_key = order_date.date_key
inner join dim_customer as customer
    on orders.customer_key = customer.customer_key
where
    orders.quantity > 300
    and exists (
        select from dim_customer as live
        where live.customer_id = customer.customer_id and live.is_current and not live.is_deleted
    )
order by
    o_totalprice desc,
    o_orderdate,
    o_orderkey
limit 100;
