-- TPC-H Q13 over the star: every customer that exists now (its current version, not deleted), each with its
-- orders in fct_orders (an order points at the customer version valid when it was placed, so through all the
-- customer's versions) whose order_comment does not match; a customer without such orders counts 0.
select
    c_orders.c_count,
    count(*) as custdist
from
    (
        select
            customer.customer_id,
            count(orders.order_id) as c_count
        from dim_customer as customer
        inner join dim_customer as customer_version
            on customer.customer_id = customer_version.customer_id
        left join fct_orders as orders
            on
                customer_version.customer_key = orders.customer_key
                and orders.order_comment not like '%special%requests%'
        where
            customer.is_current
            and not customer.is_deleted
        group by
            customer.customer_id
    ) as c_orders
group by
    c_orders.c_count
order by
    custdist desc,
    c_count desc;
