-- TPC-H Q9 over the star. The profit is the line's net_revenue less the part-supplier's supply cost as it is NOW
-- times the quantity: TPC-H joins partsupp's current ps_supplycost, while the fact's supply_cost measure is the
-- cost valid when the order was placed (a different, historical question), so the unit cost comes from the
-- current offers, fct_inventory_daily's latest day (a line whose part-supplier no longer exists drops out, as
-- the source's inner join drops it). The supplier's nation is the current one (type 6); the part's name is
-- type 1; only members that still exist.
with

current_offers as (
    select
        inventory.part_id,
        inventory.supplier_id,
        inventory.supply_cost
    from fct_inventory_daily as inventory
    where inventory.date_key = (select max(latest.date_key) from fct_inventory_daily as latest)
)

select
    geography.nation_name as nation,
    order_date.calendar_year as o_year,
    sum(lines.net_revenue - current_offers.supply_cost * lines.quantity) as sum_profit
from fct_order_lines as lines
inner join dim_date as order_date
    on lines.order_date_key = order_date.date_key
inner join dim_part as part
    on lines.part_key = part.part_key
inner join dim_supplier as supplier
    on lines.supplier_key = supplier.supplier_key
inner join current_offers
    on
        part.part_id = current_offers.part_id
        and supplier.supplier_id = current_offers.supplier_id
inner join dim_geography as geography
    on supplier.current_geography_key = geography.geography_key
where
    part.part_name like '%green%'
    and exists (
        select from dim_supplier as live
        where live.supplier_id = supplier.supplier_id and live.is_current and not live.is_deleted
    )
    and exists (
        select from dim_part as live
        where live.part_id = part.part_id and live.is_current and not live.is_deleted
    )
group by
    geography.nation_name,
    order_date.calendar_year
order by
    nation,
    o_year desc;
