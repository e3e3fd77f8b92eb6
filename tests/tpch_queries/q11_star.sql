-- TPC-H Q11 over the star: the stock as it is now, fct_inventory_daily's latest day, whose inventory_value is
-- TPC-H's ps_supplycost * ps_availqty; the supplier's nation is the current one (type 6); only suppliers that
-- still exist.
with

german_stock as (
    select
        inventory.part_id,
        inventory.inventory_value
    from fct_inventory_daily as inventory
    inner join dim_supplier as supplier
        on inventory.supplier_key = supplier.supplier_key
    inner join dim_geography as geography
        on supplier.current_geography_key = geography.geography_key
    where
        inventory.date_key = (select max(latest.date_key) from fct_inventory_daily as latest)
        and geography.nation_name = 'GERMANY'
        and exists (
            select from dim_supplier as live
            where live.supplier_id = supplier.supplier_id and live.is_current and not live.is_deleted
        )
)

select
    german_stock.part_id as ps_partkey,
    sum(german_stock.inventory_value) as value
from german_stock
group by
    german_stock.part_id
having
    sum(german_stock.inventory_value) > (
        select sum(everything.inventory_value) * 0.0001
        from german_stock as everything
    )
order by
    value desc;
