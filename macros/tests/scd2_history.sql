{#-
    SCD2 history (a snapshot, a type-2 dimension, int_partsupp_versions): its versions tile each member's
    history, checked in one pass (one sort of the versions by member and valid_from, every window function over
    that one order, the failing rows kept as they stream by). Fails on every version that breaks one of the
    checks asked for (`checks`, the first four by default), with the names of those it breaks in `failures`
    (separated by spaces):
    - unique_valid_from: it starts when the previous version of its member does (one row per repeated start);
    - one_current_version: it is current and not its member's last version (the member has two current versions
      or more), or, unless require_current is false, it is the last and not current (the member has none). A
      version is current when its valid_to is null or equals valid_to_current (a SQL expression, e.g.
      end_of_time() for the snapshots' dbt_valid_to_current);
    - no_overlap: its window is empty or inverted (valid_from >= valid_to), it has no valid_from, or it starts
      before the previous version ends (a previous version with a null valid_to never ends);
    - no_gaps: it starts later than the previous version ends;
    - first_valid_from, when that argument (a SQL expression) is given: its member's first version starts
      elsewhere; last_valid_to, likewise: its member's last version ends elsewhere. With no_overlap and no_gaps
      they say every member is valid exactly from one moment to the other (the dimensions: scd2_floor() to
      end_of_time()).
    No two versions start at once, none overlaps the next and none leaves a gap: the windows tile the history.
    Four tests of their own read and sorted the history four times (at SF 1, 18.7 node-seconds of a day's
    incremental build for the four SCD2 histories' 31 tests).

    changed_members_where (optional) scopes an incremental build's check to the members that changed since the
    test last passed: a condition on the rows of changed_members_from (the model itself by default), in which
    the placeholder __last_passed_through__ stands for the test's last_passed_through()
    (macros/tests/scoped_data_tests.sql). Every version of each member with such a row is checked, the others
    not again: a member's versions only change together with one of its rows that the condition finds (the
    snapshots: a new version's loaded_at, a deletion record's dbt_valid_from, the run's wall clock, later than
    the watermark of any run before it). The first build, --full-refresh and `--vars '{data_tests: full}'`
    check every member (at SF 1, the partsupp snapshot's 900 k versions: 2.5 s, the day's 2 k changed
    members: well under a second).
-#}
{% test scd2_history(
    model,
    key_columns,
    valid_from,
    valid_to,
    valid_to_current=none,
    require_current=true,
    checks=['unique_valid_from', 'one_current_version', 'no_overlap', 'no_gaps'],
    first_valid_from=none,
    last_valid_to=none,
    changed_members_where=none,
    changed_members_from=none
) %}
    {%- set known = ['unique_valid_from', 'one_current_version', 'no_overlap', 'no_gaps'] -%}
    {%- if key_columns is string or key_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "scd2_history on " ~ model ~ ": key_columns must be a non-empty list of column names, got "
            ~ key_columns
        ) }}
    {%- endif -%}
    {%- if checks is string or checks | reject('in', known) | list -%}
        {{ exceptions.raise_compiler_error(
            "scd2_history on " ~ model ~ ": checks must be a list of " ~ known | join(', ') ~ ", got " ~ checks
        ) }}
    {%- endif -%}
    {%- set key_list = key_columns | join(', ') -%}
    {%- set current_when = [valid_to ~ ' is null'] -%}
    {%- if valid_to_current is not none -%}
        {%- do current_when.append(valid_to ~ ' = ' ~ valid_to_current) -%}
    {%- endif -%}
    {%- set conditions = {
        'unique_valid_from':
            'version_number > 1 and version_valid_from = previous_valid_from'
            ~ ' and (version_number = 2 or version_valid_from <> second_previous_valid_from)',
        'one_current_version':
            '(is_current_version and not is_last_version)'
            ~ (' or (is_last_version and not is_current_version)' if require_current else ''),
        'no_overlap':
            'version_valid_from is null or version_valid_from >= version_valid_to or (version_number > 1'
            ~ ' and (previous_valid_to is null or version_valid_from < previous_valid_to))',
        'no_gaps': 'version_valid_from > previous_valid_to',
        'first_valid_from':
            'version_number = 1 and (version_valid_from is null or version_valid_from <> '
            ~ first_valid_from ~ ')',
        'last_valid_to':
            'is_last_version and (version_valid_to is null or version_valid_to <> '
            ~ last_valid_to ~ ')',
    } -%}
    {%- set checked = checks | list -%}
    {%- if first_valid_from is not none -%}
        {%- do checked.append('first_valid_from') -%}
    {%- endif -%}
    {%- if last_valid_to is not none -%}
        {%- do checked.append('last_valid_to') -%}
    {%- endif -%}
    {%- if checked | length == 0 -%}
        {{ exceptions.raise_compiler_error("scd2_history on " ~ model ~ ": no check asked for") }}
    {%- endif -%}
    {%- set labels, failing = [], [] -%}
    {%- for check in checked -%}
        {%- do labels.append("case when " ~ conditions[check] ~ " then ' " ~ check ~ "' else '' end") -%}
        {%- do failing.append('(' ~ conditions[check] ~ ')') -%}
    {%- endfor -%}

    {%- set member_history = 'partition by ' ~ key_list ~ ' order by ' ~ valid_from ~ ', ' ~ valid_to -%}
    {%- set since = last_passed_through() if changed_members_where is not none else none -%}
    {%- set scoped = since is not none and since != from_epoch_seconds('0') -%}
    {%- set same_member = [] -%}
    {%- for column in key_columns -%}
        {%- do same_member.append('changed.' ~ column ~ ' = member_version.' ~ column) -%}
    {%- endfor -%}
    {%- set changed_member = 'true' -%}
    {%- if scoped -%}
        {%- set changed_member -%}
            exists (
                select 1
                from {{ changed_members_from if changed_members_from is not none else model }} as changed
                where
                    ({{ changed_members_where | replace('__last_passed_through__', since) }})
                    and {{ same_member | join(' and ') }}
            )
        {%- endset -%}
    {%- endif %}

    select
        {{ key_list }},
        version_valid_from,
        version_valid_to,
        trim({{ labels | join(' || ') }}) as failures
    from (
        select
            {{ key_list }},
            {{ valid_from }} as version_valid_from,
            {{ valid_to }} as version_valid_to,
            row_number() over ({{ member_history }}) as version_number,
            lag({{ valid_from }}) over ({{ member_history }}) as previous_valid_from,
            lag({{ valid_from }}, 2) over ({{ member_history }}) as second_previous_valid_from,
            lag({{ valid_to }}) over ({{ member_history }}) as previous_valid_to,
            lead(1) over ({{ member_history }}) is null as is_last_version,
            coalesce({{ current_when | join(' or ') }}, false) as is_current_version
        from (select * from {{ model }}) as member_version
        where {{ changed_member }}
    ) as versions
    where
        {{ failing | join('\n        or ') }}

{% endtest %}
