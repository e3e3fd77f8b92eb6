{#-
    Data tests that follow the change: an incremental build checks the rows loaded since the test last passed,
    not the whole history again (at SF 1 the 14 tests of fct_order_lines re-read 6 M lines each: 33 s of every
    build whatever it changed).

    A generic data test opts in with a `where` config comparing a load-time column of its model with the
    placeholder __last_passed_through__:

        config:
          where: "loaded_at > __last_passed_through__"

    get_where_subquery (dbt's hook that applies `where`, overridden here) replaces the placeholder with
    last_passed_through(): the load watermark (record_load_watermark) of the newest build in which this same
    test passed (or warned, when its severity is warn), read from audit.data_test_passes; 1970-01-01 when it
    never did. Every row loaded up to that watermark was in raw, whole, when that build started, and that build
    built the test's model before the test, so the test has already seen it. record_data_test_passes
    (on-run-end) writes the table.

    The whole relation is checked again, every row, on a first build (no pass recorded yet), a
    `dbt build --full-refresh`, and whenever the vars say so: `dbt build --vars '{data_tests: full}'`.

    Only for row-local checks (not_null, accepted_range, relationships to a parent whose rows are never removed,
    column_expectations) on models whose rows change only when a load changes them: the incremental facts and the
    staging views over raw. A row the build did not load again (a fact line re-keyed after a late-arriving
    dimension member, a staging row whose parent a later load deleted) is checked by the next full run; a fact
    dropped by hand and rebuilt without --full-refresh keeps old loaded_at values, so build it with
    --full-refresh (or the full vars) to check it again.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__last_passed_through__', last_passed_through()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#-
    The load watermark through which this test (the node being run: a generic or singular data test) last
    passed, as a timestamp literal (read when the test is compiled, so the planner sees the value and estimates
    the rows after it); 1970-01-01 (every row) when it never did, on a --full-refresh, with
    `--vars '{data_tests: full}'`, or without audit.data_test_passes. The literal is the watermark itself, through
    the same epoch-seconds conversion that gives loaded_at (from_epoch_seconds of the dlt load id), so the rows of
    the watermark's own load, which the passing test read, are not read again: after a full ingest that load
    holds every row of raw (a literal one millisecond early made the first incremental build re-read all of it).
    The next load is always later by far more than the conversion's rounding (a microsecond).
-#}
{% macro last_passed_through() -%}
    {%- set everything = from_epoch_seconds('0') -%}
    {%- if not execute or flags.FULL_REFRESH or var('data_tests', 'changes') == 'full' -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set passes = data_test_passes_relation() -%}
    {%- if adapter.get_relation(database=passes.database, schema=passes.schema, identifier=passes.identifier)
        is none -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set through = run_query(
        "select max(passed_through) from " ~ passes ~ " where test_id = '" ~ model.unique_id ~ "'"
    ).columns[0].values()[0] -%}
    {%- if through is none -%}
        {{ return(everything) }}
    {%- endif -%}
    {{ return(from_epoch_seconds(through.timestamp())) }}
{%- endmacro %}

{#-
    For a singular test: the condition that keeps the rows whose `expression` is one of `keys` (a query of the
    changed keys, fetched by key with in_keys: an index lookup each on PostgreSQL), or `true` when `since` (the
    test's last_passed_through(), read once by the caller) is 1970-01-01 and the test reads every row, where a
    list of every key would only cost.
-#}
{% macro among_changed_keys(expression, keys, since) -%}
    {{ return('true' if since == from_epoch_seconds('0') else in_keys(expression, keys)) }}
{%- endmacro %}

{#-
    on-run-end: for every data test that passed (or warned: the build accepted what it found) in this dbt build
    or dbt test, one row in audit.data_test_passes (test_id, invocation_id, passed_through), replacing the
    test's previous one. passed_through is this invocation's load watermark (audit.load_watermarks), NULL when it
    has none (no dlt load log: every run is then a full one).
-#}
{% macro record_data_test_passes(results) %}
    {%- if not execute or flags.WHICH not in ('build', 'test') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set passed = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'test' and result.status in ('pass', 'warn') -%}
            {%- do passed.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not passed -%}
        {{ return('') }}
    {%- endif -%}
    {%- set passes = data_test_passes_relation() -%}
    {%- set watermarks = load_watermarks_relation() -%}
    {%- set ids = "'" ~ passed | join("', '") ~ "'" -%}
    {%- set selects = [] -%}
    {%- for test_id in passed -%}
        {%- do selects.append("select cast('" ~ test_id ~ "' as " ~ dbt.type_string() ~ ") as test_id") -%}
    {%- endfor -%}
    {%- do run_query('delete from ' ~ passes ~ ' where test_id in (' ~ ids ~ ')') -%}
    {%- set rows -%}
        insert into {{ passes }} (test_id, invocation_id, passed_through)
        select
            passed.test_id,
            watermark.invocation_id,
            watermark.loads_committed_through
        from {{ watermarks }} as watermark
        cross join ({{ selects | join(' union all ') }}) as passed
        where watermark.invocation_id = '{{ invocation_id }}'
    {%- endset -%}
    {%- do run_query(rows) -%}
    {{ return('') }}
{% endmacro %}

{#-
    on-run-start: audit.data_test_passes, created empty if missing (so that every test of the run can read it);
    returns nothing.
-#}
{% macro create_data_test_passes() %}
    {{ return(create_empty_audit_table(data_test_passes_relation(), {
        'test_id': 'cast(null as ' ~ dbt.type_string() ~ ')',
        'invocation_id': 'cast(null as ' ~ dbt.type_string() ~ ')',
        'passed_through': from_epoch_seconds('0'),
    })) }}
{% endmacro %}

{% macro data_test_passes_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=generate_schema_name('audit', none), identifier='data_test_passes'
    )) }}
{%- endmacro %}
