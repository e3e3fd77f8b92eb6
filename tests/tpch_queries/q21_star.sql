-- TPC-H Q21 over the star: each line with its supplier's natural key (over all versions), commit and receipt
-- dates through their dim_date roles (a line not received yet carries -2, whose date_day is NULL, so it is not
-- late, as with l_receiptdate NULL in the source), its order's status from fct_orders; the supplier's name
-- (type 1) and current nation (type 6); only suppliers that still exist.
with

order_lines as (
    select
        lines.order_id,
        supplier.supplier_id,
        commit_date.date_day as commit_date,
        receipt_date.date_day as receipt_date
    from fct_order_lines as lines
    inner join dim_supplier as supplier
        on lines.supplier_key = supplier.supplier_key
    inner join dim_date as commit_date
        on lines.commit_date_key = commit_date.date_key
    inner join dim_date as receipt_date
        on lines.receipt_date_key = receipt_date.date_key
)

select
    supplier.supplier_name as s_name,
    count(*) as numwait
from order_lines as l1
inner join fct_orders as orders
    on l1.order_id = orders.order_id
inner join dim_supplier as supplier
    on l1.supplier_id = supplier.supplier_id
inner join dim_geography as geography
    on supplier.current_geography_key = geography.geography_key
where
    supplier.is_current
    and not supplier.is_deleted
    and orders.order_status = 'F'
    and l1.receipt_date > l1.commit_date
    and exists (
        select
        from order_lines as l2
        where
            l2.order_id = l1.order_id
            and l2.supplier_id <> l1.supplier_id
    )
    and not exists (
        select
        from order_lines as l3
        where
            l3.order_id = l1.order_id
            and l3.supplier_id <> l1.supplier_id
            and l3.receipt_date > l3.commit_date
    )
    and geography.nation_name = 'SAUDI ARABIA'
group by
    supplier.supplier_name
order by
    numwait desc,
    s_name
limit 100;
