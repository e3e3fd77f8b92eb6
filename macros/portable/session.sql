{#-
    The statement every model and snapshot runs first (a pre-hook in dbt_project.yml): the session's time zone is
    UTC, whatever the server's default, so timestamps and snapshot times are UTC.
-#}
{% macro session_utc() -%}
    {{ return(adapter.dispatch('session_utc')()) }}
{%- endmacro %}

{% macro default__session_utc() -%}
    set timezone to 'UTC'
{%- endmacro %}

{% macro snowflake__session_utc() -%}
    {%- if is_emulator() -%}
        {#- fakesnow: ALTER SESSION SET TIMEZONE is not implemented; its DuckDB session is already UTC. -#}
        select 1 as session_is_utc
    {%- else -%}
        alter session set timezone = 'UTC'
    {%- endif -%}
{%- endmacro %}

{#-
    Fresh planner statistics on the table just built (a post-hook of the core marts): PostgreSQL's planner misjudges
    the SSB and TPC-H joins over a new table without them. Snowflake keeps its statistics itself: nothing to do.
-#}
{% macro refresh_statistics(relation) -%}
    {{ return(adapter.dispatch('refresh_statistics')(relation)) }}
{%- endmacro %}

{% macro default__refresh_statistics(relation) -%}
    analyze {{ relation }}
{%- endmacro %}

{% macro snowflake__refresh_statistics(relation) -%}
    select 1 as statistics_are_automatic
{%- endmacro %}
