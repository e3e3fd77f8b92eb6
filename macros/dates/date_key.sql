{#-
    The dim_date key of a date expression: the integer yyyymmdd (1998-08-03 -> 19980803), NULL for NULL.
    A fact coalesces the NULL with the member that fits the role, e.g.
    coalesce({{ date_key('ship_date') }}, {{ not_applicable_key() }}) for a line not shipped yet.
-#}
{% macro date_key(date_expression) -%}
    to_char(({{ date_expression }})::date, 'YYYYMMDD')::integer
{%- endmacro %}
