{#-
    The point-in-time rule, in one place: the condition that a version of an SCD2 history (a relation or
    alias with valid_from and valid_to, half-open) is the one valid at a moment, valid_from <= moment <
    valid_to. Facts join a dimension on its natural key and this condition and take the unknown member when
    nothing matches (a member that has not arrived yet).
-#}
{% macro valid_at(versions, moment) -%}
    {{ versions }}.valid_from <= ({{ moment }}) and ({{ moment }}) < {{ versions }}.valid_to
{%- endmacro %}
