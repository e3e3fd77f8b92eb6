-- TPC-H Q4 over the star: orders from fct_orders, the order priority from the junk dimension of the order's
-- lines (every line of an order carries its order's priority), the exists over fct_order_lines with the
-- commit and receipt dates through their dim_date roles (a line not received yet carries -2: NULL date_day,
-- so the comparison is not true, as with l_receiptdate NULL in the source).
select
    line_flags.order_priority as o_orderpriority,
    count(distinct orders.order_id) as order_count
from fct_orders as orders
inner join dim_date as order_date
    on orders.order_date_key = order_date.date_key
inner join fct_order_lines as lines
    on orders.order_id = lines.order_id
inner join dim_line_flags as line_flags
    on lines.line_flags_key = line_flags.line_flags_key
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
    line_flags.order_priority
order by
    o_orderpriority;
