{#-
    Fails on every combination of the given columns that occurs on more than one row (a compound
    primary key). Returns one row per duplicated combination, with its number of rows.
    Columns are grouped as they are, never concatenated, so (1, 23) and (12, 3) stay distinct.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "unique_combination_of_columns on " ~ model
            ~ ": combination_of_columns must be a non-empty list of column names, got "
            ~ combination_of_columns
        ) }}
    {%- endif -%}
    {%- set column_list = combination_of_columns | join(", ") -%}

    select
        {{ column_list }},
        count(*) as number_of_rows
    from {{ model }}
    group by {{ column_list }}
    having count(*) > 1

{% endtest %}
