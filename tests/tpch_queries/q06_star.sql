-- TPC-H Q6 over the star: the discount as extended price x rate (TPC-H's unrounded figure; the star's
-- discount_amount is rounded to the cent per line).
select
    sum(lines.extended_price * lines.discount_rate) as revenue
from fct_order_lines as lines
inner join dim_date as ship_date
    on lines.ship_date_key = ship_date.date_key
where
    ship_date.date_day >= date '1994-01-01'
    and ship_date.date_day < date '1994-01-01' + interval '1' year
    and lines.discount_rate between 0.06 - 0.01 and 0.06 + 0.01
    and lines.quantity < 24;
