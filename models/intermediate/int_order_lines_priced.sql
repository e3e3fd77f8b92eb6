{#-
    Every live order line with its money measures, computed once for the facts that need them
    (fct_order_lines per line, fct_orders summed per order), exactly as TPC-H defines them: no rounding.
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
        lineitem_comment,
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

-- Money exactly as the source arithmetic gives it, never rounded (rounding is for presentation): TPC-H's
-- l_extendedprice * l_discount (4 decimals), l_extendedprice * (1 - l_discount) (4 decimals) and
-- l_extendedprice * (1 - l_discount) * (1 + l_tax) (6 decimals). Summed over any set of lines they give TPC-H's
-- figures to the last digit; discount_amount + net_revenue = extended_price exactly.
priced as (

    select
        *,
        extended_price * discount_rate as discount_amount,
        extended_price * (1 - discount_rate) as net_revenue,
        extended_price * (1 - discount_rate) * (1 + tax_rate) as gross_revenue
    from order_lines

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
        lineitem_comment as line_comment,

        -- measures
        quantity,
        extended_price,
        discount_rate,
        tax_rate,
        discount_amount::numeric(38, 6) as discount_amount,
        net_revenue::numeric(38, 6) as net_revenue,
        gross_revenue::numeric(38, 6) as gross_revenue,

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
