-- TPC-H Q12 over the star: ship mode and order priority both from the line's junk dimension row, the three
-- dates compared through their keys (dim_date.date_key is the day as yyyymmdd, in the order of the days; the
-- special members are negative, so ship_date_key > 0 keeps only shipped lines, whose commit and receipt dates
-- are then real too, as the source's comparisons with NULL would): the receipt year is a range that reaches the
-- fact's BRIN index on receipt_date_key instead of a scan of every line joined to dim_date three times.
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
where
    line_flags.ship_mode in ('MAIL', 'SHIP')
    and lines.ship_date_key > 0
    and lines.commit_date_key < lines.receipt_date_key
    and lines.ship_date_key < lines.commit_date_key
    and lines.receipt_date_key >= 19940101
    and lines.receipt_date_key < 19950101
group by
    line_flags.ship_mode
order by
    l_shipmode;
