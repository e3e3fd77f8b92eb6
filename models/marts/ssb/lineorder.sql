with

order_lines as (

    select
        order_id,
        line_number,
        customer_key,
        part_key,
        supplier_key,
        order_date_key,
        commit_date_key,
        line_flags_key,
        quantity,
        extended_price,
        discount_rate,
        tax_rate,
        net_revenue,
        supply_cost
    from {{ ref('fct_order_lines') }}

),

orders as (

    select
        order_id,
        ship_priority,
        total_price
    from {{ ref('fct_orders') }}

),

line_flags as (

    select
        line_flags_key,
        order_priority,
        ship_mode
    from {{ ref('dim_line_flags') }}

),

-- One row per order line of the star, with SSB's names and units. The dimension keys are the star's
-- surrogate keys, so lo_custkey, lo_partkey and lo_suppkey point at the version of the member that was valid
-- when the order was placed (or at the unknown member -1), and the SSB dimensions hold every version.
-- Discount and tax are whole percents, as SSB stores them. lo_revenue is SSB's
-- extended price * (100 - discount) / 100, the star's exact net_revenue. lo_supplycost is the supply cost of
-- one unit, as SSB defines it: the star stores the line's exact cost (the unit cost of the part-supplier
-- version valid at the order date times the quantity), so dividing by the quantity gives the unit cost back
-- exactly. The order's ship priority and total price come from fct_orders.

ssb_lines as (

    select
        order_lines.order_id as lo_orderkey,
        order_lines.line_number as lo_linenumber,
        order_lines.customer_key as lo_custkey,
        order_lines.part_key as lo_partkey,
        order_lines.supplier_key as lo_suppkey,
        order_lines.order_date_key as lo_orderdate,
        line_flags.order_priority as lo_orderpriority,
        orders.ship_priority as lo_shippriority,
        order_lines.quantity as lo_quantity,
        order_lines.extended_price as lo_extendedprice,
        orders.total_price as lo_ordtotalprice,
        order_lines.net_revenue as lo_revenue,
        order_lines.commit_date_key as lo_commitdate,
        line_flags.ship_mode as lo_shipmode,
        (order_lines.discount_rate * 100)::integer as lo_discount,
        round(order_lines.supply_cost / nullif(order_lines.quantity, 0), 2)::numeric(15, 2) as lo_supplycost,
        (order_lines.tax_rate * 100)::integer as lo_tax
    from order_lines
    left join orders
        on order_lines.order_id = orders.order_id
    left join line_flags
        on order_lines.line_flags_key = line_flags.line_flags_key

),

-- SSB's column order (the specification's).
final as (

    select
        lo_orderkey,
        lo_linenumber,
        lo_custkey,
        lo_partkey,
        lo_suppkey,
        lo_orderdate,
        lo_orderpriority,
        lo_shippriority,
        lo_quantity,
        lo_extendedprice,
        lo_ordtotalprice,
        lo_discount,
        lo_revenue,
        lo_supplycost,
        lo_tax,
        lo_commitdate,
        lo_shipmode
    from ssb_lines

)

select * from final
