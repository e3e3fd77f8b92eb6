{#-
    The key of a dimension member from the values that identify it, computed where the values are (no join):
    surrogate_key() of the values, or unknown_key() (-1) when any of them is NULL (the member is missing).
-#}
{% macro key_or_unknown(columns) -%}
    {%- set null_checks = [] -%}
    {%- for column in columns -%}
        {%- do null_checks.append("(" ~ column ~ ") is null") -%}
    {%- endfor -%}
    case
        when {{ null_checks | join(" or ") }} then {{ unknown_key() }}
        else {{ surrogate_key(columns) }}
    end
{%- endmacro %}
