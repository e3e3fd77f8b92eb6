{#-
    A deterministic bigint surrogate key of one or more SQL expressions: the first 15 hex digits (60 bits)
    of the md5 of the values cast to text, each written as <length>:<text> (NULL as `null`) and joined
    with '|'. The encoding is injective: (1, 23) and (12, 3), ('1|2', '3') and ('1', '2|3'), NULL and ''
    all give different text, so different inputs can only share a key through an md5 collision. The same
    values give the same key in any run, so keys survive a --full-refresh. The same on every engine for the same
    text: numbers and text cast to text alike on PostgreSQL and Snowflake, but a timestamp's default text does
    not, so a key built from a timestamp passes it through timestamp_text() (macros/portable/timestamps.sql).
-#}
{% macro surrogate_key(columns) -%}
    {%- if columns is string or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "surrogate_key: columns must be a non-empty list of SQL expressions, got " ~ columns
        ) }}
    {%- endif -%}
    {%- set encoded = [] -%}
    {%- for column in columns -%}
        {%- do encoded.append(
            "coalesce(length((" ~ column ~ ")::text) || ':' || (" ~ column ~ ")::text, 'null')"
        ) -%}
    {%- endfor -%}
    {{ hex_to_bigint("substr(md5(" ~ encoded | join(" || '|' || ") ~ "), 1, 15)") }}
{%- endmacro %}

{#-
    The bigint a text of at most 15 lowercase hexadecimal digits stands for (60 bits: never negative).
-#}
{% macro hex_to_bigint(hex_expression) -%}
    {{ return(adapter.dispatch('hex_to_bigint')(hex_expression)) }}
{%- endmacro %}

{% macro default__hex_to_bigint(hex_expression) -%}
    ('x' || {{ hex_expression }})::bit(60)::bigint
{%- endmacro %}

{% macro snowflake__hex_to_bigint(hex_expression) -%}
    {%- if is_emulator() -%}
        {#- fakesnow: TO_NUMBER with a format is not implemented; DuckDB reads a 0x literal. -#}
        cast('0x' || {{ hex_expression }} as bigint)
    {%- else -%}
        to_number({{ hex_expression }}, 'XXXXXXXXXXXXXXX')::bigint
    {%- endif -%}
{%- endmacro %}
