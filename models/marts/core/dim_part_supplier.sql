with

partsupp_versions as (

    select
        part_id,
        supplier_id,
        is_current,
        is_deleted,
        partsupp_comment
    from {{ ref('int_partsupp_versions') }}

),

-- Each part-supplier's latest version (for a deleted one its deletion record, which repeats the last values).
latest_versions as (

    select
        part_id,
        supplier_id,
        is_deleted,
        partsupp_comment
    from partsupp_versions
    where is_current

),

part_suppliers as (

    select
        -- keys
        {{ surrogate_key(['part_id', 'supplier_id']) }} as part_supplier_key,
        part_id,
        supplier_id,

        -- attributes
        partsupp_comment,
        is_deleted

    from latest_versions

),

-- The special members, their comment saying which member they are.
special_members as (

    select
        member_key::bigint as part_supplier_key,
        null::integer as part_id,
        null::integer as supplier_id,
        member_name as partsupp_comment,
        false as is_deleted
    from (
        values
        ({{ unknown_key() }}, 'Unknown'),
        ({{ not_applicable_key() }}, 'Not applicable')
    ) as members (member_key, member_name)

),

final as (

    select * from part_suppliers
    union all
    select * from special_members

)

select * from final
