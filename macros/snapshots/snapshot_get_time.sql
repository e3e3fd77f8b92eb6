{#-
    The time dbt stamps on a snapshot run: dbt_valid_to of rows closed by a hard delete, and dbt_valid_from
    and dbt_updated_at of the deletion records (hard_deletes: new_record). dbt-postgres uses
    now()::timestamp, the wall clock in the session's time zone; this is UTC whatever the session's time
    zone, as dbt-snowflake's is. A timestamp without time zone, like the snapshot inputs' updated_at.
-#}
{% macro postgres__snapshot_get_time() -%}
    (now() at time zone 'utc')
{%- endmacro %}
