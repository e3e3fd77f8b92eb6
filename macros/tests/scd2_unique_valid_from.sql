{#-
    SCD2 history: no two versions of one member start at the same moment. Fails on every
    (key_columns, valid_from) that occurs on more than one row; returns one row per such pair with its
    number of rows. Keys are grouped column by column, never concatenated.
-#}
{% test scd2_unique_valid_from(model, key_columns, valid_from) %}
    {%- if key_columns is string or key_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "scd2_unique_valid_from on " ~ model ~ ": key_columns must be a non-empty list of column names, got "
            ~ key_columns
        ) }}
    {%- endif -%}
    {%- set key_list = key_columns | join(", ") -%}

    select
        {{ key_list }},
        {{ valid_from }},
        count(*) as number_of_rows
    from {{ model }}
    group by {{ key_list }}, {{ valid_from }}
    having count(*) > 1

{% endtest %}
