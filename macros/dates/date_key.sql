{#-
    The dim_date key of a date expression: the integer yyyymmdd (1998-08-03 -> 19980803), NULL for NULL.
    A fact coalesces the NULL with the member that fits the role, e.g.
    coalesce({{ date_key('ship_date') }}, {{ not_applicable_key() }}) for a line not shipped yet.
-#}
{% macro date_key(date_expression) -%}
    {{ return(adapter.dispatch('date_key')(date_expression)) }}
{%- endmacro %}

{% macro default__date_key(date_expression) -%}
    to_char(({{ date_expression }})::date, 'YYYYMMDD')::integer
{%- endmacro %}

{#- Arithmetic, not a format: the emulator's to_char mis-reads some formats, and this reads the same anywhere. -#}
{% macro snowflake__date_key(date_expression) -%}
    (
        year(({{ date_expression }})::date) * 10000
        + month(({{ date_expression }})::date) * 100
        + day(({{ date_expression }})::date)
    )::integer
{%- endmacro %}
