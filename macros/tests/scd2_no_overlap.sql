{#-
    SCD2 history: the versions of a member follow one another without overlapping. With the versions of
    each member in order of valid_from, fails on every version whose window is empty or inverted
    (valid_from >= valid_to), has no valid_from, or starts before the previous version ends (a previous
    version with a null valid_to never ends). A null valid_to means open-ended. Gaps are allowed; see
    scd2_no_gaps. Returns the failing versions with the previous version's valid_to.
-#}
{% test scd2_no_overlap(model, key_columns, valid_from, valid_to) %}
    {%- if key_columns is string or key_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "scd2_no_overlap on " ~ model ~ ": key_columns must be a non-empty list of column names, got "
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
            ) as previous_valid_to,
            row_number() over (
                partition by {{ key_list }} order by {{ valid_from }}, {{ valid_to }}
            ) as version_number
        from {{ model }}

    )

    select *
    from versions
    where
        version_valid_from is null
        or version_valid_from >= version_valid_to
        or (version_number > 1 and (previous_valid_to is null or version_valid_from < previous_valid_to))

{% endtest %}
