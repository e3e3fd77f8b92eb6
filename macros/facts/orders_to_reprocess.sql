{#-
    Which orders an incremental run of fct_orders computes again: a query of order_id over `orders` (the
    screened orders, with order_id and loaded_at), `lines` (the lines with order_id and loaded_at, read before
    the quarantine screen, so a line that turns bad or is corrected counts) and `line_deletes` (the line
    tombstones, with order_id), given the fact as it stands (`fact`). The same rules as
    order_lines_to_reprocess, per order; loaded_at is the warehouse's own clock (when dlt loaded the row),
    never a value the source writes, so a row stamped in the future or far in the past cannot move or hide the
    window. An order is taken when
    (0) no fact row has a loaded_at (an emptied table, or one built before the column existed): every order,
        since the window then starts in 1970;
    (a) its header was loaded after the fact's window start (fact_window_start: its latest loaded_at, capped
        by each build at its load watermark);
    (b) one of its lines was (a line's change moves the order's totals and milestones);
    (c) one of its lines has a tombstone, whenever it was loaded (a deleted line leaves the order's counts and
        totals; the ingest marks a raw row deleted in place, so a tombstone keeps the load time of the row's last
        version and no window can tell a new one; purged orders have no live header, so they cost nothing more;
        the cost follows the number of tombstones);
    (d) the fact holds it with the unknown (-1) customer key, whatever its order date: a late-arriving customer
        re-keys it, as order_lines_to_reprocess does for lines (they are few: one scan of the fact per run).
    A query of keys, each branch filtering one table on its own column, as order_lines_to_reprocess explains.
-#}
{% macro orders_to_reprocess(orders, lines, line_deletes, fact) -%}
    {{ orders_loaded_since(orders, lines, fact) }}
    union
    select deleted_lines.order_id
    from {{ line_deletes }} as deleted_lines
    union
    select waiting.order_id
    from {{ fact }} as waiting
    where waiting.customer_key = {{ unknown_key() }}
{%- endmacro %}
