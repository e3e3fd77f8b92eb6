{#-
    Where an incremental model that follows the loads starts reading (int_<table>_accepted, dim_date and
    int_business_clock read raw from there; the SCD2 models, dim_customer, dim_part, dim_supplier and
    int_partsupp_versions, compare the snapshot rows written since: macros/scd2/scd2_members_to_rebuild.sql):
    audit.model_watermarks, one row per build of such a model (written by its post-hooks, so on PostgreSQL in the
    same transaction as the model's rows) with the load watermark of that build (loads_committed_at_run_start:
    every load up to it was whole in raw when the build read it; a later load may have been visible only in
    part, and its rows are read again by the next build).

    model_watermark() is the newest row's watermark for the model being built, as epoch seconds (to compare
    with a row's loaded_at through from_epoch_seconds, the conversion that gives loaded_at), or none (the
    build reads every row) when there is no such row, no audit table, or the row has no watermark (no dlt load
    log: the emulator's sample data).
-#}
{% macro model_watermark() %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set marks = model_watermarks_relation() -%}
    {%- if adapter.get_relation(database=marks.database, schema=marks.schema, identifier=marks.identifier)
        is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = run_query(
        "select loads_committed_through from " ~ marks ~ " where model_id = '" ~ model.unique_id
        ~ "' order by run_started_at desc limit 1"
    ) -%}
    {%- if newest.rows | length == 0 or newest.rows[0][0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(newest.rows[0][0].timestamp()) }}
{% endmacro %}

{#- The post-hook of such a model: this build's row (the table: create_model_watermarks, on-run-start). -#}
{% macro record_model_watermark() %}
    {%- set insert -%}
        insert into {{ model_watermarks_relation() }} (model_id, invocation_id, run_started_at, loads_committed_through)
        select
            '{{ model.unique_id }}',
            '{{ invocation_id }}',
            {{ from_epoch_seconds(run_started_at.timestamp()) }},
            {{ loads_committed_at_run_start() }}
    {%- endset -%}
    {{ return(insert) }}
{% endmacro %}

{#-
    on-run-start: audit.model_watermarks, created empty if missing, before any model runs (the models that write
    it run side by side: each creating it where missing raced on the catalog); returns nothing.
-#}
{% macro create_model_watermarks() %}
    {{ return(create_empty_audit_table(model_watermarks_relation(), {
        'model_id': 'cast(null as ' ~ dbt.type_string() ~ ')',
        'invocation_id': 'cast(null as ' ~ dbt.type_string() ~ ')',
        'run_started_at': from_epoch_seconds('0'),
        'loads_committed_through': from_epoch_seconds('0'),
    })) }}
{% endmacro %}

{#- The relation audit.model_watermarks (schema audit as generate_schema_name names it), existing or not. -#}
{% macro model_watermarks_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=generate_schema_name('audit', none), identifier='model_watermarks'
    )) }}
{%- endmacro %}
