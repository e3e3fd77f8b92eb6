{#-
    Every live order line with its order's header and its money measures, computed once for the facts that
    need them (fct_order_lines per line, fct_orders summed per order), so both round the same way.
-#}

with

order_lines as (

    select
        order_id,
        line_number,
        part_id,
        supplier_id,
        return_flag,
        line_status,
        ship_mode,
        ship_instructions,
        quantity,
        extended_price,
        discount_rate,
        tax_rate,
        commit_date,
        ship_date,
        receipt_date,
        updated_at
    from {{ ref('stg_tpch__lineitem') }}

),

orders as (

    select
        order_id,
        customer_id,
        order_priority,
        order_status,
        order_date,
        updated_at
    from {{ ref('stg_tpch__orders') }}

),

-- A left join: a line whose order is missing stays (its order's columns NULL), so the facts keep every
-- live line and their totals reconcile with staging.
lines_with_orders as (

    select
        order_lines.order_id,
        order_lines.line_number,
        orders.customer_id,
        order_lines.part_id,
        order_lines.supplier_id,
        order_lines.return_flag,
        order_lines.line_status,
        order_lines.ship_mode,
        order_lines.ship_instructions,
        orders.order_priority,
        orders.order_status,
        order_lines.quantity,
        order_lines.extended_price,
        order_lines.discount_rate,
        order_lines.tax_rate,
        orders.order_date,
        order_lines.commit_date,
        order_lines.ship_date,
        order_lines.receipt_date,
        greatest(order_lines.updated_at, orders.updated_at) as updated_at
    from order_lines
    left join orders
        on order_lines.order_id = orders.order_id

),

-- Money to the cent, each amount rounded once (half away from zero): the discount from the exact product,
-- net revenue as the extended price less that discount (so the two add up to the extended price exactly),
-- gross revenue as the rounded net revenue plus tax on it, as an invoice computes it.
discounted as (

    select
        *,
        round(extended_price * discount_rate, 2) as discount_amount
    from lines_with_orders

),

priced as (

    select
        *,
        extended_price - discount_amount as net_revenue,
        round((extended_price - discount_amount) * (1 + tax_rate), 2) as gross_revenue
    from discounted

),

final as (

    select
        -- keys
        order_id,
        line_number,
        customer_id,
        part_id,
        supplier_id,

        -- attributes
        return_flag,
        line_status,
        ship_mode,
        ship_instructions,
        order_priority,
        order_status,

        -- measures
        quantity,
        extended_price,
        discount_rate,
        tax_rate,
        discount_amount::numeric(15, 2) as discount_amount,
        net_revenue::numeric(15, 2) as net_revenue,
        gross_revenue::numeric(15, 2) as gross_revenue,

        -- dates and timestamps
        order_date,
        commit_date,
        ship_date,
        receipt_date,
        updated_at

    from priced

)

select * from final
