{#-
    The fixed keys of the two special members every dimension holds, the one place they are defined.
    Real members' keys are never negative (surrogate_key is in [0, 2^60), date keys are yyyymmdd), so
    these cannot collide with them.
-#}
{% macro unknown_key() -%}
    -1
{%- endmacro %}

{% macro not_applicable_key() -%}
    -2
{%- endmacro %}
