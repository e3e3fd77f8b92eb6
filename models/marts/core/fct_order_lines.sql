{#-
    The transaction fact: one row per live order line, incremental (merge on order_id, line_number). How an
    incremental run chooses its lines, and how deleted and quarantined lines leave, is documented in
    fct_order_lines.yml. The index on order_date_key serves the queries that pick a few days (SSB Q1.2, Q1.3
    through ssb.lineorder: at SF 1 0.24 s and 0.07 s with it, 1.4 s and 1.2 s without).
    Two more indexes serve TPC-H queries that would otherwise scan the whole fact or fetch many lines they then
    drop (SF 1, side by side with the source text, best of 3 on a 2-core machine):
    - a partial b-tree on (supplier_key, order_id, line_flags_key) of the late lines (received after their commit
      date, the candidates of TPC-H Q21): it finds one nation's suppliers' late lines by an index-only scan (the
      fact's pages are all-visible once autovacuum has passed) instead of scanning 6M lines (Q21 ratio 1.53 ->
      0.71). Partial (partial_index, a post-hook: dbt's `indexes` have no WHERE) because a plain b-tree leading
      with supplier_key drew TPC-H Q7 into fetching every line of two nations' suppliers by random reads (ratio
      0.72 -> 2.73); Q7 names no late lines, so it cannot use this one. 147 MB at SF 1 (the plain one: 284 MB);
    - (part_key, ship_date_key): Q20 fetches only the 1994 lines of its forest parts, 10 k of their 64 k
      (ratio 1.30 -> 0.66);
    - (part_key, quantity, line_flags_key, net_revenue, extended_price): the lines of a few parts with every
      column TPC-H Q17 and Q19 read from them, by an index-only scan instead of one random heap read per line
      (Q19 0.087 s -> 0.014 s, ratio 0.98 -> 0.28; Q17 0.014 s -> 0.008 s); it stands in for a plain part_key
      index (382 MB instead of 86 MB at SF 1). Key columns, not INCLUDE: dbt-postgres' `indexes` has no INCLUDE.
    One more partial index serves the incremental build itself: the lines waiting for a late member or cost
    (macro line_waits_for_a_member), which every build takes again (at SF 1 a few hundred of 6 M lines).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['order_id', 'line_number'],
        on_schema_change='fail',
        indexes=[
            {'columns': ['part_key', 'quantity', 'line_flags_key', 'net_revenue', 'extended_price']},
            {'columns': ['part_key', 'ship_date_key']},
            {'columns': ['order_date_key']},
            {'columns': ['ship_date_key'], 'type': 'brin'},
            {'columns': ['receipt_date_key'], 'type': 'brin'},
            {'columns': ['loaded_at']},
        ],
        post_hook=[
            "delete from {{ this }} as fact
            using {{ ref('stg_tpch__lineitem_deletes') }} as deleted_lines
            where fact.order_id = deleted_lines.order_id and fact.line_number = deleted_lines.line_number",
            "{{ delete_quarantined_rows(
                this, 'lineitem', {'order_id': 'l_orderkey', 'line_number': 'l_linenumber'}
            ) }}",
            "{{ delete_quarantined_rows(this, 'orders', {'order_id': 'o_orderkey'}) }}",
            "{{ partial_index(
                this, 'fct_order_lines_late_lines', ['supplier_key', 'order_id', 'line_flags_key'],
                'commit_date_key > 0 and receipt_date_key > commit_date_key'
            ) }}",
            "{{ partial_index(this, 'fct_order_lines_waiting', ['order_id'], line_waits_for_a_member()) }}",
        ],
    )
}}

-- depends_on: {{ ref('stg_tpch__lineitem_deletes') }}
-- depends_on: {{ ref('quarantine_violations') }}

with

{% if is_incremental() %}
-- The orders whose lines an incremental run computes again: those whose header or a line was loaded after the
-- fact's latest loaded_at, and those with a line still waiting for a late dimension member or cost
-- (macros/facts/order_lines_to_reprocess.sql). A first run or a --full-refresh computes every line.
orders_to_process as (

    {{ order_lines_to_reprocess(ref('int_order_lines_priced'), ref('int_orders_screened'), this) }}

),

{% endif %}
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
        line_comment,
        quantity,
        extended_price,
        discount_rate,
        tax_rate,
        discount_amount,
        net_revenue,
        gross_revenue,
        commit_date,
        ship_date,
        receipt_date,
        updated_at,
        loaded_at
    from {{ ref('int_order_lines_priced') }}
    {% if is_incremental() %}
        where {{ in_keys("order_id", "select orders_to_process.order_id from orders_to_process") }}
    {% endif %}

),

orders as (

    select
        order_id,
        customer_id,
        order_priority,
        order_status,
        order_date,
        updated_at,
        loaded_at
    from {{ ref('int_orders_screened') }}
    {% if is_incremental() %}
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

suppliers as (

    select
        supplier_key,
        supplier_id,
        valid_from,
        valid_to
    from {{ ref('dim_supplier') }}
    where supplier_id is not null

),

parts as (

    select
        part_key,
        part_id,
        valid_from,
        valid_to
    from {{ ref('dim_part') }}
    where part_id is not null

),

partsupp_versions as (

    select
        part_id,
        supplier_id,
        supply_cost,
        valid_from,
        valid_to
    from {{ ref('int_partsupp_versions') }}

),

-- Each line with its order's header. An inner join: a line whose order breaks a quarantine rule stays out with
-- it (a line without any order is quarantined itself, rule orphan), so the fact holds the screened lines of
-- screened orders and reconciles with them. updated_at and loaded_at are the later of the line's and the
-- order's: an order's status change changes its lines' flags, and reloading the order re-processes its lines.
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
        order_lines.line_comment,
        order_lines.quantity,
        order_lines.extended_price,
        order_lines.discount_rate,
        order_lines.tax_rate,
        order_lines.discount_amount,
        order_lines.net_revenue,
        order_lines.gross_revenue,
        orders.order_date,
        order_lines.commit_date,
        order_lines.ship_date,
        order_lines.receipt_date,
        greatest(order_lines.updated_at, orders.updated_at) as updated_at,
        greatest(order_lines.loaded_at, orders.loaded_at) as loaded_at
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id

),

-- The point-in-time rule: each member's version valid at the moment the order was placed (00:00 UTC of
-- its order date); no version, or no order, -> NULL here and the unknown member below.
resolved as (

    select
        lines_with_orders.*,
        customers.customer_key,
        suppliers.supplier_key,
        parts.part_key,
        partsupp_versions.supply_cost as unit_supply_cost
    from lines_with_orders
    left join customers
        on
            lines_with_orders.customer_id = customers.customer_id
            and {{ valid_at('customers', 'lines_with_orders.order_date::timestamp') }}
    left join suppliers
        on
            lines_with_orders.supplier_id = suppliers.supplier_id
            and {{ valid_at('suppliers', 'lines_with_orders.order_date::timestamp') }}
    left join parts
        on
            lines_with_orders.part_id = parts.part_id
            and {{ valid_at('parts', 'lines_with_orders.order_date::timestamp') }}
    left join partsupp_versions
        on
            lines_with_orders.part_id = partsupp_versions.part_id
            and lines_with_orders.supplier_id = partsupp_versions.supplier_id
            and {{ valid_at('partsupp_versions', 'lines_with_orders.order_date::timestamp') }}

),

final as (

    select
        -- keys: degenerate order and line numbers, then the dimension keys
        order_id,
        line_number,
        coalesce(customer_key, {{ unknown_key() }})::bigint as customer_key,
        coalesce(supplier_key, {{ unknown_key() }})::bigint as supplier_key,
        coalesce(part_key, {{ unknown_key() }})::bigint as part_key,
        coalesce({{ date_key('order_date') }}, {{ unknown_key() }}) as order_date_key,
        coalesce({{ date_key('commit_date') }}, {{ unknown_key() }}) as commit_date_key,
        coalesce({{ date_key('ship_date') }}, {{ not_applicable_key() }}) as ship_date_key,
        coalesce({{ date_key('receipt_date') }}, {{ not_applicable_key() }}) as receipt_date_key,
        {{ line_flags_key(
            'return_flag', 'line_status', 'ship_mode', 'ship_instructions', 'order_priority', 'order_status'
        ) }}::bigint as line_flags_key,

        -- attributes: the line's free-text comment, a degenerate attribute (one value per line)
        line_comment,

        -- measures
        quantity,
        extended_price,
        discount_rate,
        tax_rate,
        discount_amount,
        net_revenue,
        gross_revenue,
        (unit_supply_cost * quantity)::numeric(38, 6) as supply_cost,
        (net_revenue - unit_supply_cost * quantity)::numeric(38, 6) as margin,

        -- audit (loaded_at capped at this build's load watermark: the next build's window starts there)
        updated_at,
        {{ loaded_at_within_watermark('loaded_at') }} as loaded_at

    from resolved

)

-- Written in order-date order (then by order, so an order's lines share a page): the fact's pages follow the
-- calendar, so its b-tree on order_date_key reads a date range as a few contiguous pages and the BRIN indexes
-- on ship_date_key and receipt_date_key (an order's lines ship and arrive within 121 days of it) skip every
-- page range outside a query's dates. An incremental run appends the new days' orders at the end, in order.
select * from final
order by order_date_key, order_id, line_number
