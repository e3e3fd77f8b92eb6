-- TPC-H Q6 over the star: the revenue TPC-H asks for, l_extendedprice * l_discount, is the line's
-- discount_amount measure (exact, unrounded).
select
    sum(lines.discount_amount) as revenue
from fct_order_lines as lines
inner join dim_date as ship_date
    on lines.ship_date_key = ship_date.date_key
where
    ship_date.date_day >= date '1994-01-01'
    and ship_date.date_day < date '1994-01-01' + interval '1' year
    and lines.discount_rate between 0.06 - 0.01 and 0.06 + 0.01
    and lines.quantity < 24;
