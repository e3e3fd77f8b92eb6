{#-
    The incremental facts' watermark: which dlt loads had committed when this dbt invocation started.

    record_load_watermark() runs on-run-start, before any node reads data. It appends one row to
    audit.load_watermarks: the invocation's id, when it started, and the load time (_dlt_load_id as a moment) of
    the newest load dlt had marked complete (status 0 in raw's _dlt_loads), or 1970-01-01 while none had. Every
    load up to that one was complete before the snapshots, dimensions and quarantine of this build read raw:
    ingest runs are serialised (one lock) and dlt finishes a killed run's packages before it extracts new ones,
    so loads complete in the order of their ids. A load still committing may be partly visible to this build;
    its rows are later than the watermark. Without _dlt_loads (the emulator's load path, sample-data mode) the
    row holds NULL: no watermark.

    loads_committed_at_run_start() is that row's watermark, a scalar subquery (NULL in a command that records
    none, such as `dbt compile`). The facts store min(loaded_at, watermark) as a row's loaded_at, so the next
    build's window (fact_window_start: the fact's latest loaded_at) starts at or before the first load this build
    could have seen only in part.
-#}
{% macro record_load_watermark() %}
    {#- Only for the commands that build or test: `dbt docs generate` and `dbt compile` run the hooks too, on
        threads beside the nodes, where the commit below found no transaction open and failed the command. -#}
    {%- if not execute or flags.WHICH not in load_watermark_commands() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set loads = adapter.get_relation(
        database=target.database, schema=env_var('RAW_SCHEMA', 'raw_tpch'), identifier='_dlt_loads'
    ) -%}
    {%- if loads is none -%}
        {%- set committed = from_epoch_seconds('null') -%}
    {%- else -%}
        {%- set committed = '(select coalesce(max(' ~ from_epoch_seconds('committed.load_id') ~ '), '
            ~ from_epoch_seconds('0') ~ ') from ' ~ loads ~ ' as committed where committed.status = 0)' -%}
    {%- endif -%}
    {%- set row -%}
        select
            cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as invocation_id,
            {{ from_epoch_seconds(run_started_at.timestamp()) }} as run_started_at,
            {{ committed }} as loads_committed_through
    {%- endset -%}
    {%- set audit = load_watermarks_relation() -%}
    {%- do adapter.create_schema(audit) -%}
    {%- if adapter.get_relation(database=audit.database, schema=audit.schema, identifier=audit.identifier)
        is none -%}
        {%- do run_query('create table ' ~ audit ~ ' as ' ~ row) -%}
    {%- else -%}
        {%- do run_query('insert into ' ~ audit ~ ' ' ~ row) -%}
    {%- endif -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{% endmacro %}

{% macro loads_committed_at_run_start() -%}
    {#- Not from dbt's relation cache: the cache is filled before on-run-start, so on a warehouse's first build
        it has no audit.load_watermarks even after the hook created it, and that build got no watermark. -#}
    {%- if not execute or flags.WHICH not in load_watermark_commands() -%}
        {{ from_epoch_seconds('null') }}
    {%- else -%}
        (
            select watermark.loads_committed_through
            from {{ load_watermarks_relation() }} as watermark
            where watermark.invocation_id = '{{ invocation_id }}'
        )
    {%- endif -%}
{%- endmacro %}

{#- The commands whose on-run-start records a load watermark (record_load_watermark): those that build or test. -#}
{% macro load_watermark_commands() -%}
    {{ return(('build', 'run', 'test', 'snapshot', 'seed', 'retry')) }}
{%- endmacro %}

{#- A row's loaded_at as the fact stores it: capped at the load watermark of this build (unchanged without one). -#}
{% macro loaded_at_within_watermark(loaded_at) -%}
    case
        when {{ loads_committed_at_run_start() }} < {{ loaded_at }} then {{ loads_committed_at_run_start() }}
        else {{ loaded_at }}
    end
{%- endmacro %}

{#- The relation audit.load_watermarks (schema audit as generate_schema_name names it), whether it exists or not. -#}
{% macro load_watermarks_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=generate_schema_name('audit', none), identifier='load_watermarks'
    )) }}
{%- endmacro %}
