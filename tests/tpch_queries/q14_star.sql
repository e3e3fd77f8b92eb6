-- TPC-H Q14 over the star: the part's type is type 1 (its current value on every version); only parts that
-- still exist (the simulator deletes none, but the source's inner join would drop a deleted one). The revenue
-- is the lines' net_revenue.
select
    100.00 * sum(case
        when part.part_type like 'PROMO%'
            then lines.net_revenue
        else 0
    end) / sum(lines.net_revenue) as promo_revenue
from fct_order_lines as lines
inner join dim_part as part
    on lines.part_key = part.part_key
inner join dim_date as ship_date
    on lines.ship_date_key = ship_date.date_key
where
    ship_date.date_day >= date '1995-09-01'
    and ship_date.date_day < date '1995-09-01' + interval '1' month
    and exists (
        select from dim_part as live
        where live.part_id = part.part_id and live.is_current and not live.is_deleted
    );
