{#-
    What lets a build of quarantine_violations check only what changed: audit.quarantine_checks, one row per
    build of the model (written by its post-hooks, so on PostgreSQL in the same transaction as the table), with
    the load watermark of that build (loads_committed_at_run_start: every load up to it was in raw, whole, when the
    build read raw) and the fingerprint of the rules it applied.

    quarantine_checked_through() is the watermark of the newest row, as a timestamp literal, when the next build
    may start from it; none when it must check every row:
    - `dbt build --full-refresh`, or `--vars '{quarantine_checks: full}'`;
    - no quarantine_violations table yet, no audit.quarantine_checks, or no row in it;
    - the newest row has no watermark (no dlt load log: the emulator's sample data) or another fingerprint: the
      rules (macros/quarantine/quarantine_rules.sql) or var quarantine_max_text_length changed since, and rows
      that passed then may break the new ones.
    A change to a staging model's SQL can change what a rule sees without a load: build with --full-refresh then.
-#}
{% macro quarantine_checked_through() %}
    {%- if not execute or flags.FULL_REFRESH or var('quarantine_checks', 'changes') == 'full' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if load_relation(this) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set checks = quarantine_checks_relation() -%}
    {%- if adapter.get_relation(database=checks.database, schema=checks.schema, identifier=checks.identifier)
        is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = run_query(
        "select loads_committed_through, rules_fingerprint from " ~ checks
        ~ " order by run_started_at desc, loads_committed_through desc limit 1"
    ) -%}
    {%- if newest.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set through, fingerprint = newest.rows[0][0], newest.rows[0][1] -%}
    {%- if through is none or fingerprint != quarantine_rules_fingerprint() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(from_epoch_seconds(through.timestamp())) }}
{% endmacro %}

{#- The md5 of the rules and of the var they read: a row of audit.quarantine_checks holds the one it applied. -#}
{% macro quarantine_rules_fingerprint() %}
    {{ return(local_md5(tojson(quarantine_rules()) ~ '|' ~ var('quarantine_max_text_length'))) }}
{% endmacro %}

{#- The post-hooks of quarantine_violations: create audit.quarantine_checks when missing, add this build's row. -#}
{% macro record_quarantine_check() %}
    {%- set checks = quarantine_checks_relation() -%}
    {%- set create -%}
        create table if not exists {{ checks }} as
        select
            cast(null as {{ dbt.type_string() }}) as invocation_id,
            {{ from_epoch_seconds('0') }} as run_started_at,
            {{ from_epoch_seconds('0') }} as loads_committed_through,
            cast(null as {{ dbt.type_string() }}) as rules_fingerprint
        where 1 = 0
    {%- endset -%}
    {%- set insert -%}
        insert into {{ checks }} (invocation_id, run_started_at, loads_committed_through, rules_fingerprint)
        select
            '{{ invocation_id }}',
            {{ from_epoch_seconds(run_started_at.timestamp()) }},
            {{ loads_committed_at_run_start() }},
            '{{ quarantine_rules_fingerprint() }}'
    {%- endset -%}
    {{ return([create, insert]) }}
{% endmacro %}

{#- The relation audit.quarantine_checks (schema audit as generate_schema_name names it), whether it exists or not. -#}
{% macro quarantine_checks_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=generate_schema_name('audit', none), identifier='quarantine_checks'
    )) }}
{%- endmacro %}
