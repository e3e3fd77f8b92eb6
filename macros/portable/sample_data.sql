{#-
    Sample-data mode (README "dbt on Snowflake"): var tpch_sample_data names a schema of Snowflake's shared database
    SNOWFLAKE_SAMPLE_DATA (TPCH_SF1, TPCH_SF10, TPCH_SF100, TPCH_SF1000) and the sources read it directly, with no
    ingestion. Those tables hold the TPC-H columns only: no updated_at, no created_at, no dlt columns, no deletes.
    The staging views then give, honestly:
        created_at, updated_at  the TPC-H epoch, 1992-01-01 00:00 UTC, for every row: one static version per member
                                (the snapshots' timestamp strategy records it once, and never a change, since the
                                sample never changes);
        loaded_at               the start of the dbt build that created the staging views (nothing was loaded:
                                it is when the warehouse first read the sample);
        tombstones              none (the sample has no deletes; stg_tpch__lineitem_deletes is empty).
    Without the var (the default) these macros write exactly the raw_tpch columns the staging views always read.
-#}
{% macro sample_data_schema() -%}
    {{ return(var('tpch_sample_data', '')) }}
{%- endmacro %}

{#- The audit columns of a raw table's import: created_at, updated_at and _dlt_load_id. -#}
{% macro raw_audit_columns() -%}
    {%- if sample_data_schema() -%}
        cast('1992-01-01 00:00:00 +00:00' as timestamp_tz) as created_at,
        cast('1992-01-01 00:00:00 +00:00' as timestamp_tz) as updated_at,
        {{ raw_load_id() }}
    {%- else -%}
        created_at,
        updated_at,
        {{ raw_load_id() }}
    {%- endif -%}
{%- endmacro %}

{#- dlt's load id of a raw row: seconds since 1970 of its load (sample-data mode: of the build, as text). -#}
{% macro raw_load_id() -%}
    {%- if sample_data_schema() -%}
        '{{ run_started_at.timestamp() }}' as _dlt_load_id
    {%- else -%}
        _dlt_load_id
    {%- endif -%}
{%- endmacro %}

{#- The condition on a raw table's rows: live rows (no tombstone), or, with tombstones=true, the tombstones only. -#}
{% macro raw_rows(tombstones=false) -%}
    {%- if sample_data_schema() -%}
        {{ 'false' if tombstones else 'true' }}
    {%- else -%}
        _deleted_at is {{ 'not null' if tombstones else 'null' }}
    {%- endif -%}
{%- endmacro %}

{#- The time a tombstone was deleted at (a raw table's _deleted_at). -#}
{% macro raw_deleted_at() -%}
    {%- if sample_data_schema() -%}
        cast(null as timestamp_tz)
    {%- else -%}
        _deleted_at
    {%- endif -%}
{%- endmacro %}
