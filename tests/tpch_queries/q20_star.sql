-- TPC-H Q20 over the star: the part-supplier offers as they are now (fct_inventory_daily's latest day, its
-- available quantity), the quantity each part-supplier shipped in 1994 from fct_order_lines (over all the
-- members' versions, by natural keys), the part's name (type 1) and the supplier's name, address (type 1) and
-- current nation (type 6); only members that still exist.
with

current_offers as (
    select
        inventory.part_id,
        inventory.supplier_id,
        inventory.available_quantity
    from fct_inventory_daily as inventory
    where inventory.date_key = (select max(latest.date_key) from fct_inventory_daily as latest)
),

shipped_in_1994 as (
    select
        part.part_id,
        supplier.supplier_id,
        sum(lines.quantity) as quantity
    from fct_order_lines as lines
    inner join dim_part as part
        on lines.part_key = part.part_key
    inner join dim_supplier as supplier
        on lines.supplier_key = supplier.supplier_key
    where
        -- the ship date a range of the line's own date key (dim_date.date_key is the day as yyyymmdd, in the
        -- order of the days; the special members are negative, so an unshipped line is not in it)
        lines.ship_date_key >= 19940101
        and lines.ship_date_key < 19950101
        -- only the forest parts' lines (the name is type 1: every version carries it), rather than every 1994
        -- line (8x the source text's time at SF 0.1): the fact's (part_key, ship_date_key) index fetches just
        -- those parts' 1994 lines (SF 1: 10 k of their 64 k lines; 0.55 s -> 0.22 s, the source text 0.33 s)
        and part.part_name like 'forest%'
    group by
        part.part_id,
        supplier.supplier_id
),

forest_offers as (
    select current_offers.supplier_id
    from current_offers
    inner join dim_part as part
        on current_offers.part_id = part.part_id
    inner join shipped_in_1994
        on
            current_offers.part_id = shipped_in_1994.part_id
            and current_offers.supplier_id = shipped_in_1994.supplier_id
    where
        part.is_current
        and not part.is_deleted
        and part.part_name like 'forest%'
        and current_offers.available_quantity > 0.5 * shipped_in_1994.quantity
)

select
    supplier.supplier_name as s_name,
    supplier.supplier_address as s_address
from dim_supplier as supplier
inner join dim_geography as geography
    on supplier.current_geography_key = geography.geography_key
where
    supplier.is_current
    and not supplier.is_deleted
    and supplier.supplier_id in (select forest_offers.supplier_id from forest_offers)
    and geography.nation_name = 'CANADA'
order by
    s_name;
