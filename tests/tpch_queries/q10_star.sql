-- TPC-H Q10 over the star. Name, balance, address and phone are type 1 (the current value on every
-- version); the nation is the customer's current one (current_geography_key, type 6), not the one it had at
-- order time; only customers that still exist. A customer's orders may point at different versions: grouped
-- by its natural key. The comment is type 1 too; the revenue is the lines' net_revenue.
select
    customer.customer_id as c_custkey,
    customer.customer_name as c_name,
    sum(lines.net_revenue) as revenue,
    customer.account_balance as c_acctbal,
    geography.nation_name as n_name,
    customer.customer_address as c_address,
    customer.phone_number as c_phone,
    customer.customer_comment as c_comment
from fct_orders as orders
inner join dim_customer as customer
    on orders.customer_key = customer.customer_key
inner join dim_geography as geography
    on customer.current_geography_key = geography.geography_key
inner join fct_order_lines as lines
    on orders.order_id = lines.order_id
inner join dim_line_flags as line_flags
    on lines.line_flags_key = line_flags.line_flags_key
where
    orders.order_date_key >= 19931001
    and orders.order_date_key < 19940101
    and lines.order_date_key >= 19931001
    and lines.order_date_key < 19940101
    and line_flags.return_flag = 'R'
    and exists (
        select from dim_customer as live
        where live.customer_id = customer.customer_id and live.is_current and not live.is_deleted
    )
group by
    customer.customer_id,
    customer.customer_name,
    customer.account_balance,
    customer.phone_number,
    geography.nation_name,
    customer.customer_address,
    customer.customer_comment
order by
    revenue desc,
    c_custkey
limit 20;
