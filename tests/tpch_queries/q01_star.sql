-- TPC-H Q1 over the star: the line's flags from the junk dimension, its ship date through the ship-date role
-- of dim_date (an unshipped line carries -2, whose date_day is NULL, as l_shipdate is NULL in the source).
-- Money from the fact's measures: net_revenue is TPC-H's l_extendedprice * (1 - l_discount) and gross_revenue
-- its l_extendedprice * (1 - l_discount) * (1 + l_tax), both exact (unrounded).
select
    line_flags.return_flag as l_returnflag,
    line_flags.line_status as l_linestatus,
    sum(lines.quantity) as sum_qty,
    sum(lines.extended_price) as sum_base_price,
    sum(lines.net_revenue) as sum_disc_price,
    sum(lines.gross_revenue) as sum_charge,
    avg(lines.quantity) as avg_qty,
    avg(lines.extended_price) as avg_price,
    avg(lines.discount_rate) as avg_disc,
    count(*) as count_order
from fct_order_lines as lines
inner join dim_line_flags as line_flags
    on lines.line_flags_key = line_flags.line_flags_key
inner join dim_date as ship_date
    on lines.ship_date_key = ship_date.date_key
where
    ship_date.date_day <= date '1998-12-01' - interval '90' day
group by
    line_flags.return_flag,
    line_flags.line_status
order by
    l_returnflag,
    l_linestatus;
