-- TPC-H Q16 over the star: the part-supplier offers as they are now (fct_inventory_daily's latest day), each
-- part as it is now (its current version: brand and type are type 1, size type 2), the suppliers with
-- complaints found by their supplier_comment (type 1, current versions of suppliers that still exist).
select
    part.brand as p_brand,
    part.part_type as p_type,
    part.part_size as p_size,
    count(distinct offers.supplier_id) as supplier_cnt
from fct_inventory_daily as offers
inner join dim_part as part
    on offers.part_id = part.part_id
where
    offers.date_key = (select max(latest.date_key) from fct_inventory_daily as latest)
    and part.is_current
    and not part.is_deleted
    and part.brand <> 'Brand#45'
    and part.part_type not like 'MEDIUM POLISHED%'
    and part.part_size in (49, 14, 23, 45, 19, 3, 36, 9)
    and offers.supplier_id not in (
        select supplier.supplier_id
        from dim_supplier as supplier
        where
            supplier.is_current
            and not supplier.is_deleted
            and supplier.supplier_id is not null
            and supplier.supplier_comment like '%Customer%Complaints%'
    )
group by
    part.brand,
    part.part_type,
    part.part_size
order by
    supplier_cnt desc,
    p_brand,
    p_type,
    p_size;
