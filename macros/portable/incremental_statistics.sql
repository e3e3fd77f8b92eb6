{#-
    PostgreSQL: an incremental model's merge and delete+insert first ANALYZE the temporary table that holds the
    run's new rows. dbt creates that table just before and PostgreSQL has no statistics on it yet, so the planner
    guessed its size from its pages and joined it with the whole target by a hash (at SF 1, merging 6,590 rows
    into int_partsupp_accepted's 800 k: 0.90 s, a scan of every accepted row); with the statistics it probes the
    target's key index per row (0.13 s). dbt's own statements follow unchanged. Snowflake: dbt's macros as they are.
-#}
{% macro postgres__get_incremental_merge_sql(arg_dict) %}
    analyze {{ arg_dict['temp_relation'] }};
    {{ default__get_incremental_merge_sql(arg_dict) }}
{% endmacro %}

{% macro postgres__get_incremental_delete_insert_sql(arg_dict) %}
    analyze {{ arg_dict['temp_relation'] }};
    {{ default__get_incremental_delete_insert_sql(arg_dict) }}
{% endmacro %}
