-- TPC-H Q4 over the star: orders and their priority (a degenerate attribute) from fct_orders, the exists over
-- fct_order_lines with the commit and receipt dates through their dim_date roles (a line not received yet
-- carries -2: NULL date_day, so the comparison is not true, as with l_receiptdate NULL in the source).
select
    orders.order_priority as o_orderpriority,
    count(*) as order_count
from fct_orders as orders
inner join dim_date as order_date
    on orders.order_date_key = order_date.date_key
where
    order_date.date_day >= date '1993-07-01'
    and order_date.date_day < date '1993-07-01' + interval '3' month
    and exists (
        select
        from fct_order_lines as late_lines
        inner join dim_date as commit_date
            on late_lines.commit_date_key = commit_date.date_key
        inner join dim_date as receipt_date
            on late_lines.receipt_date_key = receipt_date.date_key
        where
            late_lines.order_id = orders.order_id
            and commit_date.date_day < receipt_date.date_day
    )
group by
    orders.order_priority
order by
    o_orderpriority;
