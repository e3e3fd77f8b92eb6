{#-
    The two special member rows every dimension holds, in one place: the unknown member (key unknown_key(), -1,
    named 'Unknown') and the not-applicable member (key not_applicable_key(), -2, named 'Not applicable').
    `columns` maps each column of the dimension, in the dimension's order (the rows are union-ed with its
    other rows), to what the members hold there:
        'key'         the member's key (-1 / -2): the dimension's key and keys of other dimensions it points at
        'name'        the member's name: text attributes
        'current'     true (valid at every moment: the current version)
        'not_deleted' false
        'floor'       scd2_floor(), 'end_of_time' end_of_time(): the window of an SCD2 dimension's members
        any other     a SQL type: NULL of that type (natural keys, numbers, dates)
-#}
{% macro dimension_members(columns) -%}
    {%- set fixed = {
        'key': 'member_key',
        'name': 'member_name',
        'current': 'true',
        'not_deleted': 'false',
        'floor': scd2_floor(),
        'end_of_time': end_of_time(),
    } -%}
    {%- if columns is not mapping or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "dimension_members: columns must map each column to 'key', 'name', 'current', 'not_deleted', "
            ~ "'floor', 'end_of_time' or a SQL type, got " ~ columns
        ) }}
    {%- endif -%}
    {%- set selected = [] -%}
    {%- for column, role in columns.items() -%}
        {%- if role in fixed -%}
            {%- do selected.append(fixed[role] ~ " as " ~ column) -%}
        {%- else -%}
            {%- do selected.append("cast(null as " ~ role ~ ") as " ~ column) -%}
        {%- endif -%}
    {%- endfor -%}
    select
        {{ selected | join(",\n        ") }}
    from (
        values
        ({{ unknown_key() }}, 'Unknown'),
        ({{ not_applicable_key() }}, 'Not applicable')
    ) as members (member_key, member_name)
{%- endmacro %}
