{#-
    Which orders an incremental run of fct_orders computes again: the condition on `orders` (the candidate
    orders, with order_id and loaded_at) given the fact as it stands (`fact`), the lines (`lines`, with order_id
    and loaded_at: read before the quarantine screen, so a line that turns bad or is corrected counts) and the
    line tombstones (`line_deletes`, with order_id). The same rules as order_lines_to_reprocess,
    per order. loaded_at is the warehouse's own clock (when dlt loaded the row), never a value the source
    writes, so a row stamped in the future or far in the past cannot move or hide the window. An order is
    taken when
    (0) no fact row has a loaded_at: every order (a first incremental run over an emptied table, or over a
        table built before the column existed);
    (a) its header was loaded after the fact's window start (fact_window_start: its latest loaded_at, capped
        by each build at its load watermark);
    (b) one of its lines was (a line's change moves the order's totals and milestones);
    (c) one of its lines has a tombstone, whenever it was loaded (a deleted line leaves the order's counts and
        totals; the ingest marks a raw row deleted in place, so a tombstone keeps the load time of the row's last
        version and no window can tell a new one; purged orders have no live header, so they cost nothing more;
        the cost follows the number of tombstones);
    (d) the fact holds it with the unknown (-1) customer key, whatever its order date: a late-arriving customer
        re-keys it, as order_lines_to_reprocess does for lines (they are few: one scan of the fact per run).
-#}
{% macro orders_to_reprocess(orders, lines, line_deletes, fact) -%}
    {%- set changed_since = fact_window_start(fact) -%}
    not exists (select 1 from {{ fact }} as built where built.loaded_at is not null)
    or {{ orders }}.loaded_at > {{ changed_since }}
    or {{ orders }}.order_id in (
        select changed_lines.order_id
        from {{ lines }} as changed_lines
        where changed_lines.loaded_at > {{ changed_since }}
    )
    or {{ orders }}.order_id in (
        select deleted_lines.order_id
        from {{ line_deletes }} as deleted_lines
    )
    or {{ orders }}.order_id in (
        select waiting.order_id
        from {{ fact }} as waiting
        where waiting.customer_key = {{ unknown_key() }}
    )
{%- endmacro %}
