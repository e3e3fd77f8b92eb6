{#-
    The two ends of every SCD2 history in the warehouse, each a timestamp (UTC, without time zone, the type of
    dbt's snapshot times) built from a var of dbt_project.yml, so one value serves the snapshots, the
    dimensions, int_partsupp_versions and their tests:
    scd2_floor(), var scd2_floor_date: where the first version of every dimension member starts, far enough
    back that a fact older than the member's first snapshot still resolves to a version;
    end_of_time(), var end_of_time: where a current version ends (never NULL), the snapshots'
    dbt_valid_to_current from their first run.
    A plain cast, so the same SQL runs on every engine dbt supports.
-#}
{% macro scd2_floor() -%}
    cast('{{ var("scd2_floor_date") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro end_of_time() -%}
    cast('{{ var("end_of_time") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
