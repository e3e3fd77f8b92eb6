-- TPC-H Q8 over the star with NATION = UNITED STATES instead of the validation value BRAZIL (see the README):
-- the volume is the line's net_revenue; the customer's region and the supplier's nation are where they are NOW
-- (current_geography_key, type 6); the part's type is type 1; only members that still exist.
select
    order_date.calendar_year as o_year,
    sum(case
        when supplier_nation.nation_name = 'UNITED STATES'
            then lines.net_revenue
        else 0
    end) / sum(lines.net_revenue) as mkt_share
from fct_order_lines as lines
inner join dim_date as order_date
    on lines.order_date_key = order_date.date_key
inner join dim_part as part
    on lines.part_key = part.part_key
inner join dim_supplier as supplier
    on lines.supplier_key = supplier.supplier_key
inner join dim_customer as customer
    on lines.customer_key = customer.customer_key
inner join dim_geography as customer_nation
    on customer.current_geography_key = customer_nation.geography_key
inner join dim_geography as supplier_nation
    on supplier.current_geography_key = supplier_nation.geography_key
where
    customer_nation.region_name = 'AMERICA'
    and order_date.date_day between date '1995-01-01' and date '1996-12-31'
    and part.part_type = 'ECONOMY ANODIZED STEEL'
    and exists (
        select from dim_customer as live
        where live.customer_id = customer.customer_id and live.is_current and not live.is_deleted
    )
    and exists (
        select from dim_supplier as live
        where live.supplier_id = supplier.supplier_id and live.is_current and not live.is_deleted
    )
    and exists (
        select from dim_part as live
        where live.part_id = part.part_id and live.is_current and not live.is_deleted
    )
group by
    order_date.calendar_year
order by
    o_year;
