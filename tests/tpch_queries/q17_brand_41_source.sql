-- TPC-H Q17 with BRAND = Brand#41 instead of the validation value Brand#23, whose parts in a MED BOX have
-- no small line at SF 0.01, so the validation query returns NULL (README).
select
    sum(l_extendedprice) / 7.0 as avg_yearly
from
    lineitem,
    part
where
    p_partkey = l_partkey
    and p_brand = 'Brand#41'
    and p_container = 'MED BOX'
    and l_quantity < (
        select
            0.2 * avg(l_quantity)
        from
            lineitem
        where
            l_partkey = p_partkey
    );
