{#-
    Fails on every row whose column_name lies outside [min_value, max_value] (bounds inclusive unless
    inclusive=false; either bound may be omitted, not both). row_condition, a SQL boolean expression,
    limits the rows checked. Null values are not checked: that is not_null's job.
    Returns the failing rows.
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true, row_condition=none) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error(
            "accepted_range on " ~ model ~ "." ~ column_name ~ ": give min_value, max_value or both"
        ) }}
    {%- endif -%}
    {%- set bounds = [] -%}
    {%- if min_value is not none -%}
        {%- do bounds.append(column_name ~ (" >= " if inclusive else " > ") ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do bounds.append(column_name ~ (" <= " if inclusive else " < ") ~ max_value) -%}
    {%- endif %}

    select *
    from {{ model }}
    where
        not ({{ bounds | join(" and ") }})
        {% if row_condition is not none -%}
            and ({{ row_condition }})
        {%- endif %}

{% endtest %}
