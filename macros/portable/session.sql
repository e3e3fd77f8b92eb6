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
    After an incremental build only when the rows it changed (this transaction's inserts, updates and deletes, and
    those not analyzed since) pass autovacuum's own threshold, 50 rows + 10% of the table: then autovacuum would
    analyze it soon anyway, and the queries right after the build should not wait for it; below it the statistics
    stay as autovacuum keeps them. At SF 1 a day changes under 1% of the dimensions and of fct_order_lines, whose
    ANALYZE took 7 node-seconds of each incremental build (fct_order_lines 2.3 s).
-#}
{% macro refresh_statistics(relation) -%}
    {{ return(adapter.dispatch('refresh_statistics')(relation)) }}
{%- endmacro %}

{% macro default__refresh_statistics(relation) -%}
    {%- if not is_incremental() -%}
        analyze {{ relation }}
    {%- else -%}
        do $$
        begin
            if exists (
                select 1
                from pg_class as built
                left join pg_stat_user_tables as since_analyze on built.oid = since_analyze.relid
                left join pg_stat_xact_user_tables as this_build on built.oid = this_build.relid
                where
                    built.oid = '{{ relation }}'::regclass
                    and (
                        built.reltuples < 0
                        or coalesce(since_analyze.n_mod_since_analyze, 0)
                        + coalesce(this_build.n_tup_ins + this_build.n_tup_upd + this_build.n_tup_del, 0)
                        > 50 + 0.1 * built.reltuples
                    )
            ) then
                analyze {{ relation }};
            end if;
        end
        $$
    {%- endif -%}
{%- endmacro %}

{% macro snowflake__refresh_statistics(relation) -%}
    select 1 as statistics_are_automatic
{%- endmacro %}
