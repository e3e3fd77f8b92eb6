{#-
    The quotient of two integers rounded toward zero, an integer: PostgreSQL's integer division. Snowflake divides
    integers exactly (7 / 2 = 3.5), and casting that back rounds half away from zero, so it truncates explicitly.
-#}
{% macro integer_division(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_division')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_division(numerator, denominator) -%}
    ({{ numerator }}) / ({{ denominator }})
{%- endmacro %}

{% macro snowflake__integer_division(numerator, denominator) -%}
    trunc(({{ numerator }}) / ({{ denominator }}))::integer
{%- endmacro %}

{#-
    Whether a text matches a POSIX regular expression (NULL for a NULL text), without a capture group: a model that
    needs a part of the text tests the match and takes the part at its known position (substr). PostgreSQL's
    captures are slow: ssb.part's two `substring(... from pattern)` over 200 k parts at SF 1 took 3.6 s; the same
    tests with `~` and substr, 1.2 s.
-#}
{% macro matches_regexp(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_regexp')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_regexp(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro snowflake__matches_regexp(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#-
    The smallest and the largest of SQL expressions, NULLs skipped (NULL only when all are NULL), as PostgreSQL's
    least() and greatest() do; Snowflake's return NULL as soon as one argument is NULL.
-#}
{% macro least_ignoring_nulls(expressions) -%}
    {{ return(adapter.dispatch('least_ignoring_nulls')(expressions)) }}
{%- endmacro %}

{% macro default__least_ignoring_nulls(expressions) -%}
    least({{ expressions | join(', ') }})
{%- endmacro %}

{% macro snowflake__least_ignoring_nulls(expressions) -%}
    least_ignore_nulls({{ expressions | join(', ') }})
{%- endmacro %}

{% macro greatest_ignoring_nulls(expressions) -%}
    {{ return(adapter.dispatch('greatest_ignoring_nulls')(expressions)) }}
{%- endmacro %}

{% macro default__greatest_ignoring_nulls(expressions) -%}
    greatest({{ expressions | join(', ') }})
{%- endmacro %}

{% macro snowflake__greatest_ignoring_nulls(expressions) -%}
    greatest_ignore_nulls({{ expressions | join(', ') }})
{%- endmacro %}

{#-
    Whether a text holds a control character other than tab, line feed and carriage return (U+0001-U+0008,
    U+000B, U+000C, U+000E-U+001F, U+007F). NULL for NULL.
-#}
{% macro has_control_characters(expression) -%}
    {{ return(adapter.dispatch('has_control_characters')(expression)) }}
{%- endmacro %}

{% macro default__has_control_characters(expression) -%}
    {{ expression }} ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]'
{%- endmacro %}

{% macro snowflake__has_control_characters(expression) -%}
    {#- Snowflake reads \xhh in a string constant as that character: the class lists the characters themselves. -#}
    regexp_instr({{ expression }}, '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]') > 0
{%- endmacro %}

{#-
    The condition "expression is one of the keys `keys` (a query of one column) returns", written so the database
    fetches those keys by index where it can. PostgreSQL plans `expression in (query)` as a join, for which it
    guesses the query's row count; when the query lists the few orders an incremental fact takes, it guessed a
    third of the table and read all of lineitem through the quarantine screen (1 s at SF 0.1) instead of its
    primary key index (0.06 s). `= any(array(query))` evaluates the query first and looks each key up. Snowflake
    has no such indexes: `in`.
-#}
{% macro in_keys(expression, keys) -%}
    {{ return(adapter.dispatch('in_keys')(expression, keys)) }}
{%- endmacro %}

{% macro default__in_keys(expression, keys) -%}
    {{ expression }} = any(array({{ keys }}))
{%- endmacro %}

{% macro snowflake__in_keys(expression, keys) -%}
    {{ expression }} in ({{ keys }})
{%- endmacro %}

{#-
    Between a CTE's name and `as (`: the CTE is evaluated once, its rows kept, even when it is read once.
    PostgreSQL (12+) otherwise inlines a CTE read once into its reader, where every use of one of its columns
    evaluates the column's expression again (ssb.part: two regular expressions per part, five evaluations).
    Snowflake evaluates a CTE's columns once: nothing.
-#}
{% macro cte_evaluated_once() -%}
    {{ return(adapter.dispatch('cte_evaluated_once')()) }}
{%- endmacro %}

{% macro default__cte_evaluated_once() -%}
    materialized
{%- endmacro %}

{% macro snowflake__cte_evaluated_once() -%}
{%- endmacro %}
