-- TPC-H Q12 over the star: ship mode and order priority both from the line's junk dimension row, the three
-- dates through their dim_date roles.
select
    line_flags.ship_mode as l_shipmode,
    sum(case
        when line_flags.order_priority = '1-URGENT'
            or line_flags.order_priority = '2-HIGH'
            then 1
        else 0
    end) as high_line_count,
    sum(case
        when line_flags.order_priority <> '1-URGENT'
            and line_flags.order_priority <> '2-HIGH'
            then 1
        else 0
    end) as low_line_count
from fct_order_lines as lines
inner join dim_line_flags as line_flags
    on lines.line_flags_key = line_flags.line_flags_key
inner join dim_date as commit_date
    on lines.commit_date_key = commit_date.date_key
inner join dim_date as ship_date
    on lines.ship_date_key = ship_date.date_key
inner join dim_date as receipt_date
    on lines.receipt_date_key = receipt_date.date_key
where
    line_flags.ship_mode in ('MAIL', 'SHIP')
    and commit_date.date_day < receipt_date.date_day
    and ship_date.date_day < commit_date.date_day
    and receipt_date.date_day >= date '1994-01-01'
    and receipt_date.date_day < date '1994-01-01' + interval '1' year
group by
    line_flags.ship_mode
order by
    l_shipmode;
