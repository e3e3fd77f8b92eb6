{#-
    Which order lines an incremental run of fct_order_lines computes again: the condition on `lines` (the
    candidate lines, with order_id, line_number and loaded_at) given the fact as it stands (`fact`). A line is
    taken when
    (0) the fact is empty: every line (a first incremental run over an emptied table);
    (a) the line or its order was loaded into the warehouse after the fact's window start (fact_window_start:
        its latest loaded_at, capped by each build at its load watermark). loaded_at is the warehouse's own
        clock (when dlt loaded the row), never a value the source writes, so a row stamped in the future or
        far in the past cannot move or hide the window. A row the quarantine kept out and the source then
        corrected is loaded again, so it is taken too;
    (b) the fact holds it with an unknown (-1) customer, supplier or part key or no supply cost, whatever its
        date: a dimension member or a cost that arrived late re-keys it, without a --full-refresh. Cost: one
        scan of the fact for such lines per run (they are few).
-#}
{% macro order_lines_to_reprocess(lines, fact) -%}
    {%- set loaded_since = fact_window_start(fact) -%}
    not exists (select 1 from {{ fact }})
    or {{ lines }}.loaded_at > {{ loaded_since }}
    or ({{ lines }}.order_id, {{ lines }}.line_number) in (
        select
            waiting.order_id,
            waiting.line_number
        from {{ fact }} as waiting
        where
            waiting.customer_key = {{ unknown_key() }}
            or waiting.supplier_key = {{ unknown_key() }}
            or waiting.part_key = {{ unknown_key() }}
            or waiting.supply_cost is null
    )
{%- endmacro %}
