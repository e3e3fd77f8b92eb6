-- TPC-H Q14 over the star: the part's type is type 1 (its current value on every version); only parts that
-- still exist (the simulator deletes none, but the source's inner join would drop a deleted one). The revenue
-- is the lines' net_revenue.
-- The ship dates are a range of ship_date_key (dim_date.date_key is the day as yyyymmdd, in the order of the
-- days; the special members are negative, outside any range), which reaches the fact's BRIN index on it.
select
    100.00 * sum(case
        when part.part_type like 'PROMO%'
            then lines.net_revenue
        else 0
    end) / sum(lines.net_revenue) as promo_revenue
from fct_order_lines as lines
inner join dim_part as part
    on lines.part_key = part.part_key
where
    lines.ship_date_key >= 19950901
    and lines.ship_date_key < 19951001
    and exists (
        select from dim_part as live
        where live.part_id = part.part_id and live.is_current and not live.is_deleted
    );
