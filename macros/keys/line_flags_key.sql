{#-
    The key of dim_line_flags for six flag values, computed where the values are (the fact needs no join):
    the surrogate key of the six in this fixed order, or the unknown member's key when any of them is NULL.
-#}
{% macro line_flags_key(return_flag, line_status, ship_mode, ship_instructions, order_priority, order_status) -%}
    {{ key_or_unknown([return_flag, line_status, ship_mode, ship_instructions, order_priority, order_status]) }}
{%- endmacro %}
