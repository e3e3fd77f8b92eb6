-- TPC-H Q21 over the star: each line with its supplier's natural key (over all versions) and its order's status
-- from the line's junk dimension row (dim_line_flags.order_status, the order's current status, as on
-- fct_orders); the supplier's name (type 1) and current nation (type 6); only suppliers that still exist.
-- "Late" compares the commit and receipt date keys, as Q4 does (dim_date.date_key is the day as yyyymmdd, in the
-- order of the days; the special members are negative, so a line not received yet is not late).
-- "Another supplier" compares the lines' supplier_key within the order: every line of an order points at the
-- supplier version valid at the same moment (00:00 UTC of the order date), so within one order two lines have
-- the same supplier exactly when they have the same supplier_key; a line whose supplier has not arrived yet
-- (-1) is another supplier's, as in the source. This spares a dim_supplier probe per line of the candidate
-- orders.
-- The candidate lines come from the fact's partial index of late lines on (supplier_key, order_id,
-- line_flags_key), by an index-only scan per supplier version of the nation (SF 1: instead of a 6 M line scan);
-- the other lines of their orders by the primary key (order_id, line_number). Its predicate is l1's two date
-- conditions below, word for word, which is how the planner knows the index holds every candidate.
-- The lines are read where they are used rather than from one CTE: a CTE read three times is materialized and
-- scanned three times without an index.
select
    supplier.supplier_name as s_name,
    count(*) as numwait
from fct_order_lines as l1
inner join dim_line_flags as l1_flags
    on l1.line_flags_key = l1_flags.line_flags_key
inner join dim_supplier as l1_supplier
    on l1.supplier_key = l1_supplier.supplier_key
inner join dim_supplier as supplier
    on l1_supplier.supplier_id = supplier.supplier_id
inner join dim_geography as geography
    on supplier.current_geography_key = geography.geography_key
where
    supplier.is_current
    and not supplier.is_deleted
    and l1_flags.order_status = 'F'
    and l1.commit_date_key > 0
    and l1.receipt_date_key > l1.commit_date_key
    and exists (
        select
        from fct_order_lines as l2
        where
            l2.order_id = l1.order_id
            and l2.supplier_key <> l1.supplier_key
    )
    and not exists (
        select
        from fct_order_lines as l3
        where
            l3.order_id = l1.order_id
            and l3.supplier_key <> l1.supplier_key
            and l3.commit_date_key > 0
            and l3.receipt_date_key > l3.commit_date_key
    )
    and geography.nation_name = 'SAUDI ARABIA'
group by
    supplier.supplier_name
order by
    numwait desc,
    s_name
limit 100;
