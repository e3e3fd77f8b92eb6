{#-
    SCD2 history: one current (open) version per member. A version is current when its valid_to is null
    or equals valid_to_current (a SQL expression, e.g. "'9999-12-31'::timestamp" for a snapshot with
    dbt_valid_to_current). Fails on every member with more than one current version, and, unless
    require_current is false, on every member with none. Returns one row per failing member with its
    number of current versions.
-#}
{% test scd2_one_current_version(model, key_columns, valid_to, valid_to_current=none, require_current=true) %}
    {%- if key_columns is string or key_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "scd2_one_current_version on " ~ model ~ ": key_columns must be a non-empty list of column names, got "
            ~ key_columns
        ) }}
    {%- endif -%}
    {%- set key_list = key_columns | join(", ") -%}

    with

    versions as (

        select
            {{ key_list }},
            case
                when {{ valid_to }} is null then 1
                {% if valid_to_current is not none -%}
                    when {{ valid_to }} = {{ valid_to_current }} then 1
                {% endif -%}
                else 0
            end as is_current_version
        from {{ model }}

    )

    select
        {{ key_list }},
        sum(is_current_version) as number_of_current_versions
    from versions
    group by {{ key_list }}
    having sum(is_current_version) {{ "!= 1" if require_current else "> 1" }}

{% endtest %}
