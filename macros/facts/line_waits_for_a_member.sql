{#-
    The condition of an order line that waits for something to arrive late: an unknown (-1) customer, supplier or
    part key, or no supply cost. Shared by order_lines_to_reprocess (branch b: such lines are computed again on
    every build) and the partial index fct_order_lines keeps on them (a post-hook), whose predicate must be the
    same for PostgreSQL to use it: the few hundred waiting lines found by an index-only scan, where branch b
    scanned all 6 M lines at SF 1 (2.9 s of a 5.0 s query). `alias`: the fact's alias in the query, or none.
-#}
{% macro line_waits_for_a_member(alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {{ prefix }}customer_key = {{ unknown_key() }}
    or {{ prefix }}supplier_key = {{ unknown_key() }}
    or {{ prefix }}part_key = {{ unknown_key() }}
    or {{ prefix }}supply_cost is null
{%- endmacro %}
