{#-
    Fails once per special member missing from a dimension: returns the member and its fixed key when no
    row of the model has that key in the tested key column (macros/keys/member_keys.sql).
-#}
{% test member_rows_exist(model, column_name) %}

    with

    members as (

        select
            {{ unknown_key() }} as member_key,
            'unknown' as member_name
        union all
        select
            {{ not_applicable_key() }} as member_key,
            'not applicable' as member_name

    )

    select
        members.member_name,
        members.member_key
    from members
    where not exists (
        select 1
        from {{ model }} as dimension
        where dimension.{{ column_name }} = members.member_key
    )

{% endtest %}
