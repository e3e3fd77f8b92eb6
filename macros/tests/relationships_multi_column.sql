{#-
    Multi-column referential integrity: fails on every row of the model whose from_columns values do
    not occur together, as one row, in the to_columns of the parent relation `to`. Rows with a null in
    any of from_columns are not checked (SQL's MATCH SIMPLE, as dbt's relationships test skips nulls).
    Returns the failing child rows' from_columns.
-#}
{% test relationships_multi_column(model, from_columns, to, to_columns) %}
    {%- if from_columns is string or to_columns is string
        or from_columns | length == 0 or from_columns | length != to_columns | length -%}
        {{ exceptions.raise_compiler_error(
            "relationships_multi_column on " ~ model
            ~ ": from_columns and to_columns must be non-empty lists of the same length, got "
            ~ from_columns ~ " and " ~ to_columns
        ) }}
    {%- endif %}

    with

    child as (

        select {{ from_columns | join(", ") }}
        from {{ model }}
        where
            {% for column in from_columns -%}
                {{ column }} is not null{% if not loop.last %} and{% endif %}
            {% endfor %}

    ),

    parent as (

        select {{ to_columns | join(", ") }}
        from {{ to }}

    )

    select child.*
    from child
    where not exists (
        select 1
        from parent
        where
            {% for column in from_columns -%}
                parent.{{ to_columns[loop.index0] }} = child.{{ column }}{% if not loop.last %} and{% endif %}
            {% endfor %}
    )

{% endtest %}
