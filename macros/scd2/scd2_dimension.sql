{#-
    The shared layout of the SCD2 dimensions (dim_customer, dim_supplier, dim_part) and of
    int_partsupp_versions, in steps a model calls one CTE at a time:

        snapshot -> scd2_snapshot_versions -> scd2_versions (macros/scd2/scd2_versions.sql)
                                           -> scd2_latest_values (type-1 and type-6 values)
        then the model's own columns, and dimension_members (macros/keys/dimension_members.sql) for -1 / -2.

    scd2_snapshot_versions: the import of a snapshot, one row per snapshot version with the columns asked for
    (the snapshot already carries staging's names and types) and dbt's columns as the macros after it read
    them: snapshot_valid_from, snapshot_valid_to and is_deleted (a boolean; dbt writes the text 'True' on a
    deletion record). With `members` (the name of a relation of member ids, member_id one column or a list,
    from scd2_members_to_rebuild) only the versions of those members: an incremental build's.
-#}
{% macro scd2_snapshot_versions(snapshot, columns, member_id=none, members=none) -%}
    {%- set same_member = [] -%}
    {%- for column in ([member_id] if member_id is string else member_id or []) -%}
        {%- do same_member.append('member_to_rebuild.' ~ column ~ ' = snapshot_row.' ~ column) -%}
    {%- endfor -%}
    select
        {{ columns | join(",\n        ") }},
        dbt_valid_from as snapshot_valid_from,
        dbt_valid_to as snapshot_valid_to,
        dbt_is_deleted = 'True' as is_deleted
    from {{ snapshot }} as snapshot_row
    {%- if members is not none %}
        where exists (
            select 1 from {{ members }} as member_to_rebuild
            where {{ same_member | join(" and ") }}
        )
    {%- endif %}
{%- endmacro %}

{#-
    scd2_latest_values: each member's latest snapshot version (for a deleted member its deletion record, which
    repeats the last values), one row per member with the member id and the columns asked for: the values of
    the type-1 attributes and of the type-6 current_ columns that every version of the member carries.
-#}
{% macro scd2_latest_values(snapshot_versions, member_id, columns) -%}
    select
        {{ member_id }},
        {{ columns | join(",\n        ") }}
    from (
        select
            *,
            row_number() over (partition by {{ member_id }} order by snapshot_valid_from desc) as recency
        from {{ snapshot_versions }}
    ) as ranked_versions
    where recency = 1
{%- endmacro %}

{#-
    scd2_dimension_versions: the whole layout in one select, for a dimension built from one snapshot: one row per
    version of a member (scd2_versions over the snapshot's versions, a new version only where a versioned column
    or is_deleted changes) with the member id, the versioned columns, is_deleted, valid_from and valid_to, and
    each of latest_columns as latest_<column>: the member's latest value (scd2_latest_values), the same on
    every version, for its type-1 attributes and type-6 current_ columns. With `members`, only those members'
    versions (scd2_snapshot_versions).
-#}
{% macro scd2_dimension_versions(snapshot, member_id, versioned_columns, latest_columns, members=none) -%}
    {%- set columns = [member_id] -%}
    {%- for column in versioned_columns + latest_columns if column not in columns -%}
        {%- do columns.append(column) -%}
    {%- endfor -%}
    {%- set latest = [] -%}
    {%- for column in latest_columns -%}
        {%- do latest.append("latest_values." ~ column ~ " as latest_" ~ column) -%}
    {%- endfor -%}
    with

    snapshot_versions as (
        {{ scd2_snapshot_versions(snapshot, columns, member_id, members) }}
    ),

    versions as (
        {{ scd2_versions('snapshot_versions', member_id, versioned_columns) }}
    ),

    latest_values as (
        {{ scd2_latest_values('snapshot_versions', member_id, latest_columns) }}
    )

    select
        versions.*,
        {{ latest | join(",\n        ") }}
    from versions
    inner join latest_values
        on versions.{{ member_id }} = latest_values.{{ member_id }}
{%- endmacro %}
