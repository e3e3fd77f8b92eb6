{#-
    The accumulating snapshot of orders: one row per live order, its milestones filled in as its lines ship
    and arrive. Incremental (merge on order_id): a run re-computes only the orders whose header or lines changed
    (macro orders_to_reprocess); fct_orders.yml says what else it takes and how deleted orders leave.
    No index on customer_key: it made TPC-H Q22 ("customers without an order") 0.3 s instead of 1.1 s at SF 1,
    but led Q5's plan into one index probe per Asian customer (1.5 s warm, 22 s cold, against 0.8 s without).
    The customer's durable id (customer_id, the same for all its versions) is kept on the fact and indexed
    instead: Q22's "no order" is then one index probe per candidate customer on one column, where it was a scan
    of every order joined through dim_customer's versions (Q22 at SF 1: 1.08 s -> 0.20 s, the source text 0.46 s;
    the plan: a nested-loop anti join of 19 k index-only probes, where it hashed 1.5 M orders). No query joins on
    customer_id, so Q5's plan is untouched.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='order_id',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['loaded_at']},
            {'columns': ['customer_id']},
            {'columns': ['order_date_key'], 'type': 'brin'},
        ],
        post_hook=[
            "delete from {{ this }} as fact
            using {{ ref('stg_tpch__orders_deletes') }} as deleted_orders
            where fact.order_id = deleted_orders.order_id",
            "{{ delete_quarantined_rows(this, 'orders', {'order_id': 'o_orderkey'}) }}",
        ],
    )
}}

-- depends_on: {{ ref('stg_tpch__orders_deletes') }}
-- depends_on: {{ ref('stg_tpch__lineitem') }}
-- depends_on: {{ ref('stg_tpch__lineitem_deletes') }}
-- depends_on: {{ ref('quarantine_violations') }}

with

{% if is_incremental() %}
-- The orders an incremental run computes again: those whose header or a line was loaded after the fact's
-- latest loaded_at (a line read before the quarantine screen, so a line that turns bad or is corrected
-- re-computes its order), those with a deleted line, and those still waiting for a late-arriving customer
-- (macros/facts/orders_to_reprocess.sql). A first run or a --full-refresh computes every order.
orders_to_process as (

    {{ orders_to_reprocess(
        ref('int_orders_screened'), ref('stg_tpch__lineitem'), ref('stg_tpch__lineitem_deletes'), this
    ) }}

),

{% endif %}
orders as (

    select
        order_id,
        customer_id,
        order_status,
        order_priority,
        clerk_name,
        ship_priority,
        order_comment,
        total_price,
        order_date,
        updated_at,
        loaded_at
    from {{ ref('int_orders_screened') }}
    {% if is_incremental() %}
        where {{ in_keys("order_id", "select orders_to_process.order_id from orders_to_process") }}
    {% endif %}

),

order_lines as (

    select
        order_id,
        return_flag,
        quantity,
        discount_amount,
        net_revenue,
        gross_revenue,
        ship_date,
        receipt_date,
        updated_at,
        loaded_at
    from {{ ref('int_order_lines_priced') }}
    {% if is_incremental() %}
        -- every line of each order taken (its milestones and totals depend on all of them)
        where {{ in_keys("order_id", "select orders_to_process.order_id from orders_to_process") }}
    {% endif %}

),

customers as (

    select
        customer_key,
        customer_id,
        valid_from,
        valid_to
    from {{ ref('dim_customer') }}
    where customer_id is not null

),

-- The order's lines summed up: counts, totals and the dates of their events.
line_summaries as (

    select
        order_id,
        count(*) as line_count,
        count(ship_date) as shipped_line_count,
        count(receipt_date) as received_line_count,
        count(case when return_flag = 'R' then 1 end) as returned_line_count,
        sum(quantity) as quantity,
        sum(discount_amount) as discount_amount,
        sum(net_revenue) as net_revenue,
        sum(gross_revenue) as gross_revenue,
        min(ship_date) as first_ship_date,
        max(ship_date) as latest_ship_date,
        max(receipt_date) as latest_receipt_date,
        max(updated_at) as latest_line_updated_at,
        max(loaded_at) as latest_line_loaded_at
    from order_lines
    group by order_id

),

-- The milestones: the first shipment once any line has shipped; the last shipment and the last receipt only
-- once every line has shipped or been received (until then the latest date so far is not the last).
milestones as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_status,
        orders.order_priority,
        orders.clerk_name,
        orders.ship_priority,
        orders.order_comment,
        orders.total_price,
        orders.order_date,
        line_summaries.first_ship_date,
        coalesce(line_summaries.line_count, 0) as line_count,
        coalesce(line_summaries.shipped_line_count, 0) as shipped_line_count,
        coalesce(line_summaries.received_line_count, 0) as received_line_count,
        coalesce(line_summaries.returned_line_count, 0) as returned_line_count,
        coalesce(line_summaries.quantity, 0) as quantity,
        coalesce(line_summaries.discount_amount, 0) as discount_amount,
        coalesce(line_summaries.net_revenue, 0) as net_revenue,
        coalesce(line_summaries.gross_revenue, 0) as gross_revenue,
        case
            when line_summaries.shipped_line_count = line_summaries.line_count
                then line_summaries.latest_ship_date
        end as last_ship_date,
        case
            when line_summaries.received_line_count = line_summaries.line_count
                then line_summaries.latest_receipt_date
        end as last_receipt_date,
        greatest(
            orders.updated_at,
            coalesce(line_summaries.latest_line_updated_at, orders.updated_at)
        ) as updated_at,
        greatest(
            orders.loaded_at,
            coalesce(line_summaries.latest_line_loaded_at, orders.loaded_at)
        ) as loaded_at
    from orders
    left join line_summaries
        on orders.order_id = line_summaries.order_id

),

-- The point-in-time rule, as in fct_order_lines: the customer's version valid at 00:00 UTC of the order date.
resolved as (

    select
        milestones.*,
        customers.customer_key
    from milestones
    left join customers
        on
            milestones.customer_id = customers.customer_id
            and {{ valid_at('customers', 'milestones.order_date::timestamp') }}

),

final as (

    select
        -- keys
        order_id,
        coalesce(customer_key, {{ unknown_key() }})::bigint as customer_key,
        customer_id::integer as customer_id,
        {{ date_key('order_date') }} as order_date_key,
        coalesce({{ date_key('first_ship_date') }}, {{ not_applicable_key() }}) as first_ship_date_key,
        coalesce({{ date_key('last_ship_date') }}, {{ not_applicable_key() }}) as last_ship_date_key,
        coalesce({{ date_key('last_receipt_date') }}, {{ not_applicable_key() }}) as last_receipt_date_key,

        -- attributes: the order's status, and its header's other columns as degenerate attributes (one value
        -- per order, so a dimension of their own would have this fact's grain)
        order_status,
        order_priority,
        clerk_name,
        ship_priority,
        order_comment,

        -- measures
        total_price,
        line_count::integer as line_count,
        shipped_line_count::integer as shipped_line_count,
        received_line_count::integer as received_line_count,
        returned_line_count::integer as returned_line_count,
        quantity::numeric(15, 2) as quantity,
        discount_amount::numeric(38, 6) as discount_amount,
        net_revenue::numeric(38, 6) as net_revenue,
        gross_revenue::numeric(38, 6) as gross_revenue,
        {{ dbt.datediff('order_date', 'first_ship_date', 'day') }}::integer as order_to_first_ship_days,
        {{ dbt.datediff('order_date', 'last_receipt_date', 'day') }}::integer as order_to_last_receipt_days,

        -- audit (loaded_at capped at this build's load watermark: the next build's window starts there)
        updated_at,
        {{ loaded_at_within_watermark('loaded_at') }} as loaded_at

    from resolved

)

-- Written in order-date order, as fct_order_lines (which says why): the BRIN index on order_date_key then skips
-- every page range outside a query's dates.
select * from final
order by order_date_key, order_id
