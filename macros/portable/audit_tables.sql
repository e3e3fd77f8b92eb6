{#-
    An on-run-start helper: the audit table `relation` (its schema too), created empty with the given columns
    when it is missing, so that every node of the run can read it (audit.data_test_passes,
    audit.model_watermarks). `columns` maps each column's name to a SQL expression of its type's NULL or zero,
    e.g. {'test_id': "cast(null as text)"}; the table is `create table ... as select ... where 1 = 0`.
    Returns nothing.
-#}
{% macro create_empty_audit_table(relation, columns) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- do adapter.create_schema(relation) -%}
    {%- if adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier)
        is none -%}
        {%- set selected = [] -%}
        {%- for name, expression in columns.items() -%}
            {%- do selected.append(expression ~ ' as ' ~ name) -%}
        {%- endfor -%}
        {%- do run_query('create table ' ~ relation ~ ' as select ' ~ selected | join(', ') ~ ' where 1 = 0') -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
