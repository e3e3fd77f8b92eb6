{#-
    A JSON object of whole numbers as text, in PostgreSQL's jsonb text form: '{"l_orderkey": 1, "l_linenumber": 2}',
    a space after each colon and comma, keys in jsonb's order (shorter names first, then by their bytes), NULL as
    null. The form ingest/held_rows.py writes (jsonb_build_object(...)::text), so the same row gets the same text on
    every engine. `pairs` is a list of [name, SQL expression] pairs; the values must be whole numbers (keys).
-#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    {%- set arguments = [] -%}
    {%- for name, expression in pairs -%}
        {%- do arguments.append("'" ~ name ~ "', " ~ expression) -%}
    {%- endfor -%}
    jsonb_build_object({{ arguments | join(', ') }})::text
{%- endmacro %}

{% macro snowflake__json_object_text(pairs) -%}
    {#- Snowflake's object text has no spaces and sorts keys alphabetically: the text is written out instead. -#}
    {%- set ordered = pairs | sort(attribute='0', case_sensitive=true) -%}
    {%- set by_length = [] -%}
    {%- for length in ordered | map(attribute='0') | map('length') | unique | sort -%}
        {%- for pair in ordered if pair[0] | length == length -%}
            {%- do by_length.append(pair) -%}
        {%- endfor -%}
    {%- endfor -%}
    '{'
    {%- for name, expression in by_length %}
    || '{{ ', ' if not loop.first }}"{{ name }}": ' || coalesce(to_varchar({{ expression }}), 'null')
    {%- endfor %}
    || '}'
{%- endmacro %}

{#- A whole-number field of a JSON object held as text (e.g. a quarantine row_key), as a bigint; NULL if absent. -#}
{% macro json_integer_field(json_text, name) -%}
    {{ return(adapter.dispatch('json_integer_field')(json_text, name)) }}
{%- endmacro %}

{% macro default__json_integer_field(json_text, name) -%}
    ({{ json_text }}::jsonb ->> '{{ name }}')::bigint
{%- endmacro %}

{% macro snowflake__json_integer_field(json_text, name) -%}
    parse_json({{ json_text }}):{{ name }}::bigint
{%- endmacro %}
