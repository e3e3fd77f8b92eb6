-- fct_order_lines holds exactly staging's live order lines that the quarantine lets in (screened lines of
-- screened orders): the number of lines and the sums of quantity, extended price and net revenue equal the same
-- figures computed here from int_lineitem_screened and int_orders_screened alone (net revenue by TPC-H's
-- definition, extended_price * (1 - discount_rate), exactly). Returns one row per figure that differs, with both
-- values and the difference. Each summand is cast to numeric(38, 6) (every measure has at most 6 decimals, so the
-- cast changes no value): the Snowflake emulator sums an uncast NUMBER as a double, whose rounding depends on the
-- order of the rows, and the fact and staging are read in different orders.
with

fact_lines as (

    select
        quantity,
        extended_price,
        net_revenue
    from {{ ref('fct_order_lines') }}

),

screened_orders as (

    select order_id
    from {{ ref('int_orders_screened') }}

),

staging_lines as (

    select
        screened_lines.quantity,
        screened_lines.extended_price,
        screened_lines.discount_rate
    from {{ ref('int_lineitem_screened') }} as screened_lines
    inner join screened_orders
        on screened_lines.order_id = screened_orders.order_id

),

fact_figures as (

    select
        count(*)::numeric as line_count,
        coalesce(sum(quantity::numeric(38, 6)), 0) as quantity,
        coalesce(sum(extended_price::numeric(38, 6)), 0) as extended_price,
        coalesce(sum(net_revenue::numeric(38, 6)), 0) as net_revenue
    from fact_lines

),

staging_figures as (

    select
        count(*)::numeric as line_count,
        coalesce(sum(quantity::numeric(38, 6)), 0) as quantity,
        coalesce(sum(extended_price::numeric(38, 6)), 0) as extended_price,
        coalesce(sum((extended_price * (1 - discount_rate))::numeric(38, 6)), 0) as net_revenue
    from staging_lines

),

compared as (

    select
        'line_count' as figure,
        fact_figures.line_count as fact_value,
        staging_figures.line_count as staging_value
    from fact_figures
    cross join staging_figures
    union all
    select
        'quantity' as figure,
        fact_figures.quantity as fact_value,
        staging_figures.quantity as staging_value
    from fact_figures
    cross join staging_figures
    union all
    select
        'extended_price' as figure,
        fact_figures.extended_price as fact_value,
        staging_figures.extended_price as staging_value
    from fact_figures
    cross join staging_figures
    union all
    select
        'net_revenue' as figure,
        fact_figures.net_revenue as fact_value,
        staging_figures.net_revenue as staging_value
    from fact_figures
    cross join staging_figures

),

final as (

    select
        figure,
        fact_value,
        staging_value,
        fact_value - staging_value as difference
    from compared
    where fact_value <> staging_value

)

select * from final
