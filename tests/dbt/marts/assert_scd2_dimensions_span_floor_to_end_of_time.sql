-- Every member of dim_customer, dim_supplier and dim_part (special members aside) is valid from
-- scd2_floor() (var scd2_floor_date) to end_of_time() (var end_of_time, 9999-12-31): its first version starts
-- at the floor and its last ends at the end of time.
-- With the scd2_no_gaps and scd2_no_overlap tests in between, a member's versions tile that whole range, so
-- every fact moment finds exactly one version. Also, every key of the snapshot is a member of the dimension.
-- Returns one row per problem: the dimension, the natural key and what is wrong.
with

customers as (

    select
        customer_id as member_id,
        valid_from,
        valid_to
    from {{ ref('dim_customer') }}
    where customer_key >= 0

),

suppliers as (

    select
        supplier_id as member_id,
        valid_from,
        valid_to
    from {{ ref('dim_supplier') }}
    where supplier_key >= 0

),

parts as (

    select
        part_id as member_id,
        valid_from,
        valid_to
    from {{ ref('dim_part') }}
    where part_key >= 0

),

customer_snapshot as (

    select distinct customer_id as member_id
    from {{ ref('snp_tpch__customer') }}

),

supplier_snapshot as (

    select distinct supplier_id as member_id
    from {{ ref('snp_tpch__supplier') }}

),

part_snapshot as (

    select distinct part_id as member_id
    from {{ ref('snp_tpch__part') }}

),

versions as (

    select
        'dim_customer' as dimension_name,
        member_id,
        valid_from,
        valid_to
    from customers
    union all
    select
        'dim_supplier' as dimension_name,
        member_id,
        valid_from,
        valid_to
    from suppliers
    union all
    select
        'dim_part' as dimension_name,
        member_id,
        valid_from,
        valid_to
    from parts

),

snapshot_members as (

    select
        'dim_customer' as dimension_name,
        member_id
    from customer_snapshot
    union all
    select
        'dim_supplier' as dimension_name,
        member_id
    from supplier_snapshot
    union all
    select
        'dim_part' as dimension_name,
        member_id
    from part_snapshot

),

member_spans as (

    select
        dimension_name,
        member_id,
        min(valid_from) as first_valid_from,
        max(valid_to) as last_valid_to
    from versions
    group by dimension_name, member_id

),

span_problems as (

    select
        dimension_name,
        member_id,
        case
            when first_valid_from <> {{ scd2_floor() }}
                then 'the first version starts at ' || first_valid_from || ', not at the floor date'
            else 'the last version ends at ' || last_valid_to || ', not at the end of time'
        end as problem
    from member_spans
    where
        first_valid_from <> {{ scd2_floor() }}
        or last_valid_to <> {{ end_of_time() }}

),

missing_members as (

    select
        snapshot_members.dimension_name,
        snapshot_members.member_id,
        'a key of the snapshot has no version in the dimension' as problem
    from snapshot_members
    where not exists (
        select 1
        from member_spans
        where
            member_spans.dimension_name = snapshot_members.dimension_name
            and member_spans.member_id = snapshot_members.member_id
    )

),

final as (

    select * from span_problems
    union all
    select * from missing_members

)

select * from final
