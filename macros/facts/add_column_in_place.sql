{#-
    on-run-start, for a model of schema marts built by an older release: adds `column` to the table in place when it
    is missing, so no --full-refresh is needed (an incremental fact's contract, on_schema_change 'fail', would stop
    every build; 'append_new_columns' would leave the rows already built empty). `statements(relation)`, a macro of
    the caller, gives the SQL that adds the column, fills it and indexes it as the model's config declares (dbt
    creates an incremental model's indexes only with its table), or '' when it cannot yet (a table it reads is
    missing). Nothing happens while the model does not exist or once the column does; a log line says what was
    added. PostgreSQL only (adapter.dispatch): no other engine has a table built before these columns.
-#}
{% macro add_column_in_place(identifier, column, statements, what) %}
    {{ return(adapter.dispatch('add_column_in_place')(identifier, column, statements, what)) }}
{% endmacro %}

{% macro default__add_column_in_place(identifier, column, statements, what) %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__add_column_in_place(identifier, column, statements, what) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=generate_schema_name('marts', none), identifier=identifier
    ) -%}
    {%- if relation is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- if column in adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {{ return('') }}
    {%- endif -%}
    {%- set sql = statements(relation) -%}
    {%- if not sql | trim -%}
        {{ return('') }}
    {%- endif -%}
    {%- do run_query(sql) -%}
    {%- do adapter.commit() -%}
    {{ log("added column " ~ column ~ " to " ~ relation ~ " (" ~ what ~ ")", info=True) }}
    {{ return('') }}
{% endmacro %}
