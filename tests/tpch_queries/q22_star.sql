-- TPC-H Q22 over the star: the customers that exist now (current versions, not deleted), phone and balance
-- type 1; "has no order" is no fct_orders row with the customer's durable id (fct_orders.customer_id, the same
-- for all its versions, as the source's o_custkey; indexed on PostgreSQL, so one probe per candidate).
select
    custsale.cntrycode,
    count(*) as numcust,
    sum(custsale.c_acctbal) as totacctbal
from
    (
        select
            substring(customer.phone_number from 1 for 2) as cntrycode,
            customer.account_balance as c_acctbal
        from dim_customer as customer
        where
            customer.is_current
            and not customer.is_deleted
            and customer.customer_id is not null
            and substring(customer.phone_number from 1 for 2) in
                ('13', '31', '23', '29', '30', '18', '17')
            and customer.account_balance > (
                select avg(positive.account_balance)
                from dim_customer as positive
                where
                    positive.is_current
                    and not positive.is_deleted
                    and positive.customer_id is not null
                    and positive.account_balance > 0.00
                    and substring(positive.phone_number from 1 for 2) in
                        ('13', '31', '23', '29', '30', '18', '17')
            )
            and not exists (
                select
                from fct_orders as orders
                where orders.customer_id = customer.customer_id
            )
    ) as custsale
group by
    custsale.cntrycode
order by
    cntrycode;
