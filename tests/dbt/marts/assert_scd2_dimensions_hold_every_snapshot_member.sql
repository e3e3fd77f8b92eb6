-- Every key of a snapshot is a member of its dimension: dim_customer, dim_supplier and dim_part (special
-- members aside) have at least one version of each customer, supplier and part the snapshots record. Each
-- member's versions start at scd2_floor() and end at end_of_time() with no gap and no overlap in between
-- (the dimensions' scd2_history tests), so every fact moment finds exactly one version of it.
-- Returns one row per missing member: the dimension and the natural key.
with

missing_customers as (

    select customer_id as member_id
    from {{ ref('snp_tpch__customer') }}
    except
    select customer_id as member_id
    from {{ ref('dim_customer') }}
    where customer_key >= 0

),

missing_suppliers as (

    select supplier_id as member_id
    from {{ ref('snp_tpch__supplier') }}
    except
    select supplier_id as member_id
    from {{ ref('dim_supplier') }}
    where supplier_key >= 0

),

missing_parts as (

    select part_id as member_id
    from {{ ref('snp_tpch__part') }}
    except
    select part_id as member_id
    from {{ ref('dim_part') }}
    where part_key >= 0

),

final as (

    select
        'dim_customer' as dimension_name,
        member_id
    from missing_customers
    union all
    select
        'dim_supplier' as dimension_name,
        member_id
    from missing_suppliers
    union all
    select
        'dim_part' as dimension_name,
        member_id
    from missing_parts

)

select * from final
