{#-
    The versions of an SCD2 history, from a relation (usually a CTE) holding one row per snapshot version:
    the member id (one column, or a list of columns for a compound key), the versioned (type-2) columns,
    is_deleted, snapshot_valid_from and snapshot_valid_to.
    A version starts at a member's first snapshot version and at every later one that changes a versioned
    column or is_deleted; a snapshot version that changes other (type-1) columns only continues the version
    before it. Windows are half-open [valid_from, valid_to): a version ends where the next one starts, the
    first reaches back to scd2_floor() so a fact older than the first snapshot still finds the member, the
    last ends where the member's last snapshot version ends (end_of_time() while it is current).
    Returns: the member id column(s), the versioned columns, is_deleted, valid_from, valid_to.
-#}
{% macro scd2_versions(snapshot_versions, member_id, versioned_columns) -%}
    {%- set member = (member_id if member_id is string else member_id | join(", ")) -%}
    {%- set tracked = versioned_columns + ['is_deleted'] -%}
    {%- set changes = [] -%}
    {%- for column in tracked -%}
        {%- do changes.append(column ~ " is distinct from lag(" ~ column ~ ") over member_history") -%}
    {%- endfor -%}
    select
        {{ member }},
        {{ tracked | join(",\n        ") }},
        case
            when row_number() over member_history = 1 then {{ scd2_floor() }}
            else snapshot_valid_from
        end as valid_from,
        coalesce(lead(snapshot_valid_from) over member_history, member_valid_to) as valid_to
    from (
        select
            {{ member }},
            {{ tracked | join(",\n            ") }},
            snapshot_valid_from,
            max(snapshot_valid_to) over (partition by {{ member }}) as member_valid_to,
            (
                row_number() over member_history = 1
                or {{ changes | join("\n                or ") }}
            ) as is_version_start
        from {{ snapshot_versions }}
        window member_history as (partition by {{ member }} order by snapshot_valid_from)
    ) as version_starts
    where is_version_start
    window member_history as (partition by {{ member }} order by snapshot_valid_from)
{%- endmacro %}
