-- TPC-H Q2 over the star. The part-supplier offers as they are now: fct_inventory_daily's latest day (one row per
-- live part-supplier, its supply cost then). The source reads every attribute as it is NOW: the part's and the
-- supplier's current versions (size is type 2; type, manufacturer, name, address, phone, balance and comment are
-- type 1), the supplier's current nation (current_geography_key, type 6); deleted members are left out.
with

current_offers as (
    select
        inventory.part_id,
        inventory.supplier_id,
        inventory.supply_cost
    from fct_inventory_daily as inventory
    where inventory.date_key = (select max(latest.date_key) from fct_inventory_daily as latest)
),

european_offers as (
    select
        current_offers.part_id,
        current_offers.supply_cost,
        supplier.account_balance,
        supplier.supplier_name,
        supplier.supplier_address,
        supplier.phone_number,
        supplier.supplier_comment,
        geography.nation_name
    from current_offers
    inner join dim_supplier as supplier
        on current_offers.supplier_id = supplier.supplier_id
    inner join dim_geography as geography
        on supplier.current_geography_key = geography.geography_key
    where
        supplier.is_current
        and not supplier.is_deleted
        and geography.region_name = 'EUROPE'
)

select
    offers.account_balance as s_acctbal,
    offers.supplier_name as s_name,
    offers.nation_name as n_name,
    part.part_id as p_partkey,
    part.manufacturer as p_mfgr,
    offers.supplier_address as s_address,
    offers.phone_number as s_phone,
    offers.supplier_comment as s_comment
from european_offers as offers
inner join dim_part as part
    on offers.part_id = part.part_id
where
    part.is_current
    and not part.is_deleted
    and part.part_size = 15
    and part.part_type like '%BRASS'
    and offers.supply_cost = (
        select min(cheapest.supply_cost)
        from european_offers as cheapest
        where cheapest.part_id = offers.part_id
    )
order by
    s_acctbal desc,
    n_name,
    s_name,
    p_partkey
limit 100;
