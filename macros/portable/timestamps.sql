{#-
    A timestamp with time zone (PostgreSQL timestamptz, Snowflake TIMESTAMP_TZ) as the UTC wall clock, a timestamp
    without time zone: the type of dbt's snapshot times, which the snapshot-fed staging views give.
-#}
{% macro to_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('to_utc_timestamp')(expression)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(expression) -%}
    {{ expression }} at time zone 'utc'
{%- endmacro %}

{% macro snowflake__to_utc_timestamp(expression) -%}
    to_timestamp_ntz(convert_timezone('UTC', {{ expression }}))
{%- endmacro %}

{#-
    The moment a number of seconds since 1970-01-01 00:00 UTC (text or number, e.g. dlt's _dlt_load_id) stands for,
    as a timestamp with time zone.
-#}
{% macro from_epoch_seconds(expression) -%}
    {{ return(adapter.dispatch('from_epoch_seconds')(expression)) }}
{%- endmacro %}

{% macro default__from_epoch_seconds(expression) -%}
    to_timestamp({{ expression }}::double precision)
{%- endmacro %}

{% macro snowflake__from_epoch_seconds(expression) -%}
    convert_timezone('UTC', to_timestamp(cast({{ expression }} as double)))
{%- endmacro %}

{#-
    A timestamp without time zone as text in one explicit format, the same on every engine, for surrogate keys
    built from a timestamp: ISO 8601 with a space, 'YYYY-MM-DD HH24:MI:SS' and the fraction of a second to the
    microsecond without trailing zeros (none when it is zero), e.g. '1998-08-03 10:00:00', '1998-08-03
    10:00:00.25': the six digits of the fraction without their trailing zeros, after a point unless none is left.
    This is PostgreSQL's own text of a timestamp (DateStyle ISO), so keys built before stay the same;
    Snowflake's default text differs ('... 10:00:00.000'), hence the explicit format.
-#}
{% macro timestamp_text(expression) -%}
    {{ return(adapter.dispatch('timestamp_text')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_text(expression) -%}
    to_char({{ expression }}, 'YYYY-MM-DD HH24:MI:SS')
    || coalesce('.' || nullif(rtrim(to_char({{ expression }}, 'US'), '0'), ''), '')
{%- endmacro %}

{% macro snowflake__timestamp_text(expression) -%}
    {%- if is_emulator() -%}
        {#- (6) fakesnow ignores to_char's format for a timestamp (and mis-reads rtrim and nanosecond()); DuckDB's
            own text of a timestamp is this very format. -#}
        cast({{ expression }} as varchar)
    {%- else -%}
        to_char({{ expression }}, 'YYYY-MM-DD HH24:MI:SS')
        || coalesce('.' || nullif(rtrim(to_char({{ expression }}, 'FF6'), '0'), ''), '')
    {%- endif -%}
{%- endmacro %}
