{#-
    scd2_members_to_rebuild: the members (one row per member id: one column, or a list for a compound key) whose
    versions an incremental build of an SCD2 model (the dimensions of macros/scd2/scd2_dimension.sql,
    int_partsupp_versions) writes again: those whose current snapshot row (dbt_valid_to = end_of_time()) differs
    from the model's current version (valid_to = end_of_time()) in the deleted flag or in one of
    `current_values`, a mapping {model column: its value computed from the snapshot row, alias snapshot_row}, and
    those the model does not hold yet. The model then deletes every version of those members and inserts them
    again from their whole snapshot history (incremental_strategy delete+insert on the member id).

    Why that finds every change: a snapshot run that changes a member inserts a row for it (a new version, a
    deletion record, a re-created key), which becomes the member's current row; rows are never deleted (but by
    repair_snapshot, which asks for a --full-refresh). If that row differs from the previous one in a column
    the model derives from the snapshot (the versioned columns, the latest values of type-1 and type-6 columns,
    is_deleted), the model's current version differs from it in that column, so `current_values` must cover
    every such column; if it differs in none (the source rewrote a row without changing it), the member's
    versions are the same as before and keeping them is what a --full-refresh would build too.
    Cost: one join of the snapshot's current rows with the model's current versions on the member id, where a
    rebuild ran the window functions over every snapshot version (SF 1: 205 k part versions, 8 s of a build).
-#}
{% macro scd2_members_to_rebuild(snapshot, member_id, current_values) -%}
    {%- set members = [member_id] if member_id is string else member_id -%}
    {%- set selected, same_member = [], [] -%}
    {%- for column in members -%}
        {%- do selected.append('snapshot_row.' ~ column) -%}
        {%- do same_member.append('current_version.' ~ column ~ ' = snapshot_row.' ~ column) -%}
    {%- endfor -%}
    {%- set differences = [
        'current_version.' ~ members[0] ~ ' is null',
        "current_version.is_deleted is distinct from (snapshot_row.dbt_is_deleted = 'True')",
    ] -%}
    {%- for column, value in current_values.items() -%}
        {%- do differences.append('current_version.' ~ column ~ ' is distinct from ' ~ value) -%}
    {%- endfor -%}
    select {{ selected | join(", ") }}
    from {{ snapshot }} as snapshot_row
    left join {{ this }} as current_version
        on
            {{ same_member | join("\n            and ") }}
            and current_version.valid_to = {{ end_of_time() }}
    where
        snapshot_row.dbt_valid_to = {{ end_of_time() }}
        and (
            {{ differences | join("\n            or ") }}
        )
{%- endmacro %}
