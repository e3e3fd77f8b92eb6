{#-
    on-run-start: a fct_inventory_daily built before its data tests followed the change has no loaded_at column,
    and its contract (on_schema_change 'fail') would stop every build. add_column_in_place adds it, NOT NULL, set
    to 1970-01-01 on the days already built (an instant change on PostgreSQL: a constant default rewrites no row),
    so the next build's tests read every day once, and its BRIN index, as the model's config declares.
-#}
{% macro add_fct_inventory_daily_loaded_at() %}
    {{ return(add_column_in_place(
        'fct_inventory_daily', 'loaded_at', fct_inventory_daily_loaded_at_statements,
        "its data tests now read only the days added since they last passed"
    )) }}
{% endmacro %}

{#- The statements that add fct_inventory_daily.loaded_at, 1970-01-01 on every row already built, and its index. -#}
{% macro fct_inventory_daily_loaded_at_statements(fact) %}
    {{ return(
        'alter table ' ~ fact ~ ' add column loaded_at timestamptz not null default to_timestamp(0); '
        ~ 'alter table ' ~ fact ~ ' alter column loaded_at drop default; '
        ~ 'create index if not exists fct_inventory_daily_loaded_at on ' ~ fact ~ ' using brin (loaded_at)'
    ) }}
{% endmacro %}
