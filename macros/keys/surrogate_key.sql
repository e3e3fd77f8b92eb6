{#-
    A deterministic bigint surrogate key of one or more SQL expressions: the first 15 hex digits (60 bits)
    of the md5 of the values cast to text, each written as <length>:<text> (NULL as `null`) and joined
    with '|'. The encoding is injective: (1, 23) and (12, 3), ('1|2', '3') and ('1', '2|3'), NULL and ''
    all give different text, so different inputs can only share a key through an md5 collision. The same
    values give the same key in any run, so keys survive a --full-refresh.
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
    ('x' || substr(md5({{ encoded | join(" || '|' || ") }}), 1, 15))::bit(60)::bigint
{%- endmacro %}
