{#-
    Where an incremental fact's window starts: a scalar subquery giving the fact's latest loaded_at, or
    1970-01-01 while no row has one (an emptied fact, or one built before the column existed: every row is
    then taken). Shared by order_lines_to_reprocess and orders_to_reprocess. loaded_at is the warehouse's own
    clock (when dlt loaded the row), never a value the source writes, so no source row can move the window; and
    each build stores it capped at its load watermark (loaded_at_within_watermark,
    macros/facts/load_watermark.sql), so every load up to the window's start was complete, and taken, when the
    build that wrote it ran: a build takes exactly the loads it has not seen whole, with no lookback.
-#}
{% macro fact_window_start(fact) -%}
    (
        select coalesce(max(latest.loaded_at), {{ from_epoch_seconds('0') }})
        from {{ fact }} as latest
    )
{%- endmacro %}

{#-
    The ids of the orders whose header (`orders`) or a line (`lines`), each with order_id and loaded_at, was
    loaded after the fact's window start (fact_window_start): the part order_lines_to_reprocess and
    orders_to_reprocess share, each adding its own branches with `union`. The window's start is computed once.
-#}
{% macro orders_loaded_since(orders, lines, fact) -%}
    with

    window_start as (

        select {{ fact_window_start(fact) }} as loaded_since

    )

    select changed_orders.order_id
    from {{ orders }} as changed_orders
    where changed_orders.loaded_at > (select window_start.loaded_since from window_start)
    union
    select changed_lines.order_id
    from {{ lines }} as changed_lines
    where changed_lines.loaded_at > (select window_start.loaded_since from window_start)
{%- endmacro %}
