{#-
    SCD2 history: no time between the versions of a member. With the versions of each member in order of
    valid_from, fails on every version after the first that starts later than the previous version ends
    (valid_from > the previous valid_to). Overlaps are scd2_no_overlap's job; together the two say the
    windows tile each member's history. Returns the failing versions with the previous version's valid_to.
-#}
{% test scd2_no_gaps(model, key_columns, valid_from, valid_to) %}
    {%- if key_columns is string or key_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "scd2_no_gaps on " ~ model ~ ": key_columns must be a non-empty list of column names, got "
            ~ key_columns
        ) }}
    {%- endif -%}
    {%- set key_list = key_columns | join(", ") -%}

    with

    versions as (

        select
            {{ key_list }},
            {{ valid_from }} as version_valid_from,
            {{ valid_to }} as version_valid_to,
            lag({{ valid_to }}) over (
                partition by {{ key_list }} order by {{ valid_from }}, {{ valid_to }}
            ) as previous_valid_to
        from {{ model }}

    )

    select *
    from versions
    where version_valid_from > previous_valid_to

{% endtest %}
