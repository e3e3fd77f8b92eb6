{#-
    on-run-end: one line saying how many source rows the star keeps out now, per table, and where to look; after
    a `dbt build` or `dbt run` that built quarantine_events. Nothing when the quarantine is empty.
-#}
{% macro quarantine_summary(results) %}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {#- The relation from the run's results: ref() is not available in an on-run-end hook. -#}
    {%- set built = results | selectattr('node.name', 'equalto', 'quarantine_events')
        | selectattr('status', 'equalto', 'success') | list -%}
    {%- if not built -%}
        {{ return('') }}
    {%- endif -%}
    {%- set events = built[0].node.relation_name -%}
    {%- set counts = run_query(
        "select table_name, rule_name, column_name, count(*) from " ~ events
        ~ " where is_present group by 1, 2, 3 order by 1, 2, 3"
    ) -%}
    {%- if counts.rows | length > 0 -%}
        {%- set parts = [] -%}
        {%- set total = namespace(rows=0) -%}
        {%- for row in counts.rows -%}
            {%- do parts.append(row[0] ~ '.' ~ row[2] ~ ' ' ~ row[1] ~ ' ' ~ row[3]) -%}
            {%- set total.rows = total.rows + row[3] -%}
        {%- endfor -%}
        {{ log(
            "quarantine: " ~ total.rows ~ " source row/rule pair(s) kept out of the star (" ~ parts | join(', ')
            ~ "). See them with: select * from " ~ events ~ " where is_present; correct them in the source and "
            ~ "the next ingest + dbt build lets them in.", info=True
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
