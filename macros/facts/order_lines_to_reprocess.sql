{#-
    Which orders an incremental run of fct_order_lines computes again, every line of each: a query of order_id
    over `lines` and `orders` (the screened lines and orders, with order_id and loaded_at) given the fact as it
    stands (`fact`). An order is taken when
    (0) no fact row has a loaded_at (an emptied fact): every order, since the window then starts in 1970;
    (a) its header or one of its lines was loaded into the warehouse after the fact's window start
        (fact_window_start: its latest loaded_at, capped by each build at its load watermark). loaded_at is
        the warehouse's own clock (when dlt loaded the row), never a value the source writes, so a row stamped
        in the future or far in the past cannot move or hide the window. A row the quarantine kept out and the
        source then corrected is loaded again, so it is taken too;
    (b) the fact holds one of its lines with an unknown (-1) customer, supplier or part key or no supply cost,
        whatever its date: a dimension member or a cost that arrived late re-keys it, without a --full-refresh.
        Cost: an index-only scan of fct_order_lines' partial index on such lines (macro line_waits_for_a_member).
    A query of keys rather than a condition on the joined rows: each branch filters one table on its own
    column, which the database applies where it reads the table (on PostgreSQL the screened views' scans of
    raw; then the facts fetch the few orders it lists by their key), where an OR over the joined lines and
    orders made every incremental run join all of them first. Taking whole orders costs a few unchanged lines
    more, merged with the values they have.
-#}
{% macro order_lines_to_reprocess(lines, orders, fact) -%}
    {{ orders_loaded_since(orders, lines, fact) }}
    union
    select waiting.order_id
    from {{ fact }} as waiting
    where {{ line_waits_for_a_member('waiting') }}
{%- endmacro %}
