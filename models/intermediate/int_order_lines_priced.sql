{#-
    Every live order line with its money measures, computed once for the facts that need them
    (fct_order_lines per line, fct_orders summed per order), so both round the same way.
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
        updated_at,
        loaded_at
    from {{ ref('int_lineitem_screened') }}

),

-- Money to the cent, each amount rounded once (half away from zero): the discount from the exact product,
-- net revenue as the extended price less that discount (so the two add up to the extended price exactly),
-- gross revenue as the rounded net revenue plus tax on it, as an invoice computes it.
discounted as (

    select
        *,
        round(extended_price * discount_rate, 2) as discount_amount
    from order_lines

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
        part_id,
        supplier_id,

        -- attributes
        return_flag,
        line_status,
        ship_mode,
        ship_instructions,

        -- measures
        quantity,
        extended_price,
        discount_rate,
        tax_rate,
        discount_amount::numeric(15, 2) as discount_amount,
        net_revenue::numeric(15, 2) as net_revenue,
        gross_revenue::numeric(15, 2) as gross_revenue,

        -- dates and timestamps
        commit_date,
        ship_date,
        receipt_date,
        updated_at,

        -- audit
        loaded_at

    from priced

)

select * from final
