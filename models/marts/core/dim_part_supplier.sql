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

    {{ dimension_members({
        'part_supplier_key': 'key',
        'part_id': 'integer',
        'supplier_id': 'integer',
        'partsupp_comment': 'name',
        'is_deleted': 'not_deleted',
    }) }}

),

final as (

    select * from part_suppliers
    union all
    select * from special_members

)

select * from final
