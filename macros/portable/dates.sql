{#-
    The date of a dim_date key (the integer yyyymmdd), the inverse of date_key().
-#}
{% macro date_from_key(key_expression) -%}
    {{ return(adapter.dispatch('date_from_key')(key_expression)) }}
{%- endmacro %}

{% macro default__date_from_key(key_expression) -%}
    to_date(({{ key_expression }})::text, 'YYYYMMDD')
{%- endmacro %}

{% macro snowflake__date_from_key(key_expression) -%}
    to_date(to_varchar({{ key_expression }}), 'YYYYMMDD')
{%- endmacro %}

{#-
    An integer part of a date, by its PostgreSQL name: isodow (Monday 1 to Sunday 7), day, doy (day of the year),
    week (ISO week), isoyear (ISO week-numbering year), month, quarter, year.
-#}
{% macro date_part_integer(part, date_expression) -%}
    {{ return(adapter.dispatch('date_part_integer')(part, date_expression)) }}
{%- endmacro %}

{% macro default__date_part_integer(part, date_expression) -%}
    extract({{ part }} from {{ date_expression }})::integer
{%- endmacro %}

{% macro snowflake__date_part_integer(part, date_expression) -%}
    {%- set parts = {
        'isodow': 'dayofweekiso', 'day': 'day', 'doy': 'dayofyear', 'week': 'weekiso',
        'isoyear': 'yearofweekiso', 'month': 'month', 'quarter': 'quarter', 'year': 'year',
    } -%}
    {%- if part not in parts -%}
        {{ exceptions.raise_compiler_error("date_part_integer: unknown part " ~ part ~ "; one of " ~ parts | list) }}
    {%- endif -%}
    {{ parts[part] }}({{ date_expression }})::integer
{%- endmacro %}

{#- The English name of a date's day of the week ('Monday') and month ('January'), in full. -#}
{% macro day_name(date_expression) -%}
    {{ return(adapter.dispatch('day_name')(date_expression)) }}
{%- endmacro %}

{% macro default__day_name(date_expression) -%}
    to_char({{ date_expression }}, 'FMDay')
{%- endmacro %}

{% macro snowflake__day_name(date_expression) -%}
    decode(
        dayofweekiso({{ date_expression }}),
        1, 'Monday', 2, 'Tuesday', 3, 'Wednesday', 4, 'Thursday', 5, 'Friday', 6, 'Saturday', 7, 'Sunday'
    )
{%- endmacro %}

{% macro month_name(date_expression) -%}
    {{ return(adapter.dispatch('month_name')(date_expression)) }}
{%- endmacro %}

{% macro default__month_name(date_expression) -%}
    to_char({{ date_expression }}, 'FMMonth')
{%- endmacro %}

{% macro snowflake__month_name(date_expression) -%}
    decode(
        month({{ date_expression }}),
        1, 'January', 2, 'February', 3, 'March', 4, 'April', 5, 'May', 6, 'June', 7, 'July', 8, 'August',
        9, 'September', 10, 'October', 11, 'November', 12, 'December'
    )
{%- endmacro %}
