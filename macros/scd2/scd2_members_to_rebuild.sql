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
    And only the current rows written since the model's last build are compared, when the model records its
    load watermark (post-hook record_model_watermark: macros/facts/model_watermarks.sql): a member changed since
    has its current row written since, a new version loaded after that build's watermark (loaded_at) or a
    deletion record stamped with a later run's clock (dbt_valid_from). A row of a load that committed during that
    build, or that build's own deletion records, are compared again (the same versions: nothing written). At
    SF 1 the partsupp comparison joined 800 k current rows with 800 k versions, 1.5 s with nothing to rebuild.
    A --full-refresh, and a model without a watermark yet, compare every current row.
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
    {%- set written = ['snapshot_row.dbt_valid_to = ' ~ end_of_time()] -%}
    {%- set since_last_build = snapshot_row_written_since_last_build('snapshot_row') -%}
    {%- if since_last_build is not none -%}
        {%- do written.append(since_last_build) -%}
    {%- endif -%}
    select {{ selected | join(", ") }}
    from {{ snapshot }} as snapshot_row
    left join {{ this }} as current_version
        on
            {{ same_member | join("\n            and ") }}
            and current_version.valid_to = {{ end_of_time() }}
    where
        {{ written | join("\n        and ") }}
        and (
            {{ differences | join("\n            or ") }}
        )
{%- endmacro %}

{#-
    A condition true on a snapshot row written after `mark` (a timestamp SQL expression, or the placeholder
    __last_passed_through__ of the scoped data tests): a version loaded since (loaded_at) or a deletion record
    stamped since with its run's clock (dbt_valid_from). A snapshot run that changes a member writes such a row
    for it. `alias` qualifies the columns (none: unqualified). Used by scd2_members_to_rebuild and by the
    snapshots' scd2_history tests (changed_members_where).
-#}
{% macro snapshot_row_written_since(mark, alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    ({{ prefix }}loaded_at > {{ mark }} or {{ prefix }}dbt_valid_from > {{ mark }})
{%- endmacro %}

{#-
    snapshot_row_written_since for the model being built: the snapshot rows written since its last build's load
    watermark (model_watermark: post-hook record_model_watermark), or none, the caller then reading every row,
    on a --full-refresh or while the model has no watermark. Used by scd2_members_to_rebuild and
    dim_part_supplier, which compare only the members changed since.
-#}
{% macro snapshot_row_written_since_last_build(alias=none) -%}
    {%- set since = none if flags.FULL_REFRESH else model_watermark() -%}
    {{ return(none if since is none else snapshot_row_written_since(from_epoch_seconds(since ~ ''), alias)) }}
{%- endmacro %}
