{#-
    on-run-start: a fct_order_lines built before its incremental window moved to the warehouse's clock has no
    loaded_at column, and its contract (on_schema_change 'fail') would stop every build. add_column_in_place adds
    it, NOT NULL, set to 1970-01-01 on the rows already built (when their loads ran is unknown), so this build's
    window (the fact's latest loaded_at) starts before every load and takes every line once; indexed, as the
    model's config declares (the window's start, the scoped data tests).
-#}
{% macro add_fct_order_lines_loaded_at() %}
    {{ return(add_column_in_place(
        'fct_order_lines', 'loaded_at', fct_order_lines_loaded_at_statements,
        "its incremental window now follows the warehouse's clock"
    )) }}
{% endmacro %}

{#- The statements that add fct_order_lines.loaded_at, 1970-01-01 on every row already built, and its index. -#}
{% macro fct_order_lines_loaded_at_statements(fact) %}
    {{ return(
        'alter table ' ~ fact ~ ' add column loaded_at timestamptz not null default to_timestamp(0); '
        ~ 'alter table ' ~ fact ~ ' alter column loaded_at drop default; '
        ~ 'create index if not exists fct_order_lines_loaded_at on ' ~ fact ~ ' (loaded_at)'
    ) }}
{% endmacro %}
