-- TPC-H Q6 over the star: the revenue TPC-H asks for, l_extendedprice * l_discount, is the line's
-- discount_amount measure (exact, unrounded). The year of ship dates is a range of ship_date_key
-- (dim_date.date_key is the day as the integer yyyymmdd, in the order of the days; the special members are
-- negative, outside any range), so it reaches the fact's BRIN index on ship_date_key (the fact is written in
-- order-date order) and reads the pages of that year instead of scanning all of them.
select
    sum(lines.discount_amount) as revenue
from fct_order_lines as lines
where
    lines.ship_date_key >= 19940101
    and lines.ship_date_key < 19950101
    and lines.discount_rate between 0.06 - 0.01 and 0.06 + 0.01
    and lines.quantity < 24;
