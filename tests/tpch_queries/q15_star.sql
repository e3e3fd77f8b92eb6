-- TPC-H Q15 over the star: each supplier's revenue, the sum of its lines' net_revenue by ship date, over all
-- the supplier's versions (by its natural key); name, address and phone are type 1; only suppliers that still
-- exist.
-- The ship dates are a range of ship_date_key (dim_date.date_key is the day as yyyymmdd, in the order of the
-- days; the special members are negative, outside any range), which reaches the fact's BRIN index on it.
with

revenue0 as (
    select
        supplier.supplier_id as supplier_no,
        sum(lines.net_revenue) as total_revenue
    from fct_order_lines as lines
    inner join dim_supplier as supplier
        on lines.supplier_key = supplier.supplier_key
    where
        lines.ship_date_key >= 19960101
        and lines.ship_date_key < 19960401
    group by
        supplier.supplier_id
)

select
    supplier.supplier_id as s_suppkey,
    supplier.supplier_name as s_name,
    supplier.supplier_address as s_address,
    supplier.phone_number as s_phone,
    revenue0.total_revenue
from dim_supplier as supplier
inner join revenue0
    on supplier.supplier_id = revenue0.supplier_no
where
    supplier.is_current
    and not supplier.is_deleted
    and revenue0.total_revenue = (
        select max(highest.total_revenue)
        from revenue0 as highest
    )
order by
    s_suppkey;
