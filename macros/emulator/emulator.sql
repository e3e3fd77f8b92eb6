{#-
    The fakesnow emulator (the tests run dbt-snowflake against it: README "Running on Snowflake"). is_emulator() is
    true only for the snowflake target with SNOWFLAKE_EMULATOR=fakesnow, which the emulator's environment sets and a
    real account never does. Each override below keeps dbt-snowflake's own SQL on a real account and changes only
    what fakesnow 0.12 cannot run; each says which limit it works around.
-#}
{% macro is_emulator() -%}
    {{ return(target.type == 'snowflake' and env_var('SNOWFLAKE_EMULATOR', '') == 'fakesnow') }}
{%- endmacro %}

{#-
    (1) DuckDB refuses a database.schema-qualified TEMPORARY table ("TEMPORARY table names can only use the temp
    catalog"), which every incremental and snapshot run builds: on the emulator it is built transient.
-#}
{% macro snowflake__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {%- if is_emulator() and temporary and language == 'sql' -%}
        {{ return(dbt.snowflake__create_table_transient_sql(relation, compiled_code)) }}
    {%- else -%}
        {{ return(dbt.snowflake__create_table_as(temporary, relation, compiled_code, language)) }}
    {%- endif -%}
{%- endmacro %}

{#-
    (2) fakesnow's MERGE cannot resolve the unqualified column list dbt writes in `when not matched then insert (...)
    values (...)` ("Ambiguous reference to column name"): on the emulator the values are qualified with the source
    alias, DBT_INTERNAL_SOURCE (the same columns).
    (3) fakesnow refuses a MERGE inside BEGIN ... COMMIT ("Attempting to write to database _fs_global in a
    transaction"), and in server mode a failed statement inside a transaction makes the connector retry for
    minutes: on the emulator dbt's DML (merge, delete+insert, append, snapshot merge) runs without the explicit
    transaction dbt-snowflake wraps it in; each statement commits by itself.
-#}
{% macro snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) -%}
    {%- if not is_emulator() -%}
        {{ return(dbt.snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates)) }}
    {%- endif -%}
    {%- set merge = dbt.default__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) -%}
    {%- set columns = get_quoted_csv(dest_columns | map(attribute='name')).split(', ') -%}
    {{ return(emulator_qualify_insert_values(merge, columns)) }}
{%- endmacro %}

{% macro snowflake__snapshot_merge_sql(target, source, insert_cols) -%}
    {%- if not is_emulator() -%}
        {{ return(dbt.snowflake__snapshot_merge_sql(target, source, insert_cols)) }}
    {%- endif -%}
    {%- set merge = dbt.default__snapshot_merge_sql(target, source, insert_cols) -%}
    {{ return(emulator_qualify_insert_values(merge, insert_cols)) }}
{%- endmacro %}

{% macro snowflake__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {%- set arguments = [target, source, unique_key, dest_columns, incremental_predicates] -%}
    {%- if not is_emulator() -%}
        {{ return(dbt.snowflake__get_delete_insert_merge_sql(*arguments)) }}
    {%- endif -%}
    {{ return(dbt.default__get_delete_insert_merge_sql(*arguments)) }}
{%- endmacro %}

{% macro snowflake__get_incremental_append_sql(arg_dict) -%}
    {%- if not is_emulator() -%}
        {{ return(dbt.snowflake__get_incremental_append_sql(arg_dict)) }}
    {%- endif -%}
    {{ return(dbt.default__get_incremental_append_sql(arg_dict)) }}
{%- endmacro %}

{#- columns: the insert's columns as dbt wrote them (quoted or not), in its order. -#}
{% macro emulator_qualify_insert_values(merge, columns) -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append('DBT_INTERNAL_SOURCE.' ~ column | trim) -%}
    {%- endfor -%}
    {%- set listed = '(' ~ columns | join(', ') ~ ')' -%}
    {%- set parts = merge.rsplit(listed, 1) -%}
    {%- if parts | length != 2 or not parts[0].rstrip().lower().endswith('values') -%}
        {{ exceptions.raise_compiler_error(
            "emulator_qualify_insert_values: dbt's merge no longer ends with `values " ~ listed ~ "`; update the "
            ~ "emulator accommodation in macros/emulator/emulator.sql"
        ) }}
    {%- endif -%}
    {{ return(parts[0] ~ '(' ~ qualified | join(', ') ~ ')' ~ parts[1]) }}
{%- endmacro %}

{#-
    (4) fakesnow counts a model-level constraint (the contracts' primary keys: `primary key (...)` after the
    columns) as one more column ("Invalid column definition list"); column-level constraints work. Snowflake
    enforces neither (only NOT NULL): on the emulator the model-level ones are left out of the DDL, and the
    unique / not_null data tests still check the keys.
-#}
{% macro snowflake__get_table_columns_and_constraints() -%}
    {%- if not is_emulator() -%}
        {{ return(dbt.default__get_table_columns_and_constraints()) }}
    {%- endif -%}
    {%- set column_definitions = adapter.render_raw_columns_constraints(raw_columns=model['columns']) -%}
    (
        {{ column_definitions | join(',\n        ') }}
    )
{%- endmacro %}

{#-
    (5) fakesnow reads `show objects in <database>.<schema>` as a warehouse scope and lists nothing, so dbt would
    take every existing seed, snapshot and incremental model for new (seeds fail "already exists", snapshots and
    incrementals are silently re-created and history lost): on the emulator the schema's relations come from
    information_schema.tables, in the columns dbt-snowflake reads from `show objects`.
-#}
{% macro snowflake__list_relations_without_caching(schema_relation, max_iter=10000, max_results_per_iter=10000) %}
    {%- if not is_emulator() -%}
        {{ return(dbt.snowflake__list_relations_without_caching(schema_relation, max_iter, max_results_per_iter)) }}
    {%- endif -%}
    {%- set listing -%}
        select
            table_catalog as "database_name",
            table_schema as "schema_name",
            table_name as "name",
            case when table_type = 'VIEW' then 'VIEW' else 'TABLE' end as "kind",
            'N' as "is_dynamic",
            'N' as "is_iceberg"
        from {{ schema_relation.database }}.information_schema.tables
        where table_schema = '{{ schema_relation.schema | upper }}'
    {%- endset -%}
    {{ return(run_query(listing)) }}
{% endmacro %}
