-- TPC-H Q4 over the star: orders and their priority (a degenerate attribute) from fct_orders, the exists over
-- fct_order_lines comparing the commit and receipt dates through their keys. dim_date.date_key is the day as
-- the integer yyyymmdd, in the order of the days; the special members are negative (-1 unknown, -2 a line not
-- received yet), so a line with either is not late, as with l_receiptdate NULL in the source. Joining dim_date
-- twice inside the exists made PostgreSQL hash every late line of the fact (SF 1: 3.2 s); on the keys alone it
-- probes each order's lines through the primary key, as the source's plan does (0.7 s, the source's 0.6 s).
select
    orders.order_priority as o_orderpriority,
    count(*) as order_count
from fct_orders as orders
where
    orders.order_date_key >= 19930701
    and orders.order_date_key < 19931001
    and exists (
        select
        from fct_order_lines as late_lines
        where
            late_lines.order_id = orders.order_id
            and late_lines.commit_date_key > 0
            and late_lines.commit_date_key < late_lines.receipt_date_key
    )
group by
    orders.order_priority
order by
    o_orderpriority;
