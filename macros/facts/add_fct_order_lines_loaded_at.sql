{#-
    on-run-start: a fct_order_lines built before its incremental window moved to the warehouse's clock has no
    loaded_at column, and its contract (on_schema_change 'fail') would stop every build. This adds the column in
    place, NOT NULL, set to 1970-01-01 on the rows already built (when their loads ran is unknown), so this
    build's window (the fact's latest loaded_at) starts before every load and takes every line once, and no
    --full-refresh is needed. Nothing happens once the column
    exists or while the fact does not exist. PostgreSQL only (adapter.dispatch); other engines do nothing.
-#}
{% macro add_fct_order_lines_loaded_at() %}
    {{ return(adapter.dispatch('add_fct_order_lines_loaded_at')()) }}
{% endmacro %}

{% macro default__add_fct_order_lines_loaded_at() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__add_fct_order_lines_loaded_at() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set fact = adapter.get_relation(
        database=target.database, schema=generate_schema_name('marts', none), identifier='fct_order_lines'
    ) -%}
    {%- if fact is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(fact) | map(attribute='name') | list -%}
    {%- if 'loaded_at' in columns -%}
        {{ return('') }}
    {%- endif -%}
    {%- do run_query(
        'alter table ' ~ fact ~ ' add column loaded_at timestamptz not null default to_timestamp(0); '
        ~ 'alter table ' ~ fact ~ ' alter column loaded_at drop default'
    ) -%}
    {%- do adapter.commit() -%}
    {{ log("added column loaded_at to " ~ fact ~ " (its incremental window now follows the warehouse's clock)",
           info=True) }}
    {{ return('') }}
{% endmacro %}
