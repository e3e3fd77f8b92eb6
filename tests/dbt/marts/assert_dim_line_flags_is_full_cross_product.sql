-- dim_line_flags holds every combination of the codes in seed tpch_flag_codes, not only those seen: each
-- flag column has exactly the seed's codes and the real rows number the product of the codes per flag
-- (with unique_combination_of_columns on the six columns, that is the full cross product). Returns one row
-- when that fails, with the counts found.
with

dimension as (

    select
        count(*) as combinations,
        count(distinct return_flag) as return_flags,
        count(distinct line_status) as line_statuses,
        count(distinct ship_mode) as ship_modes,
        count(distinct ship_instructions) as ship_instructions,
        count(distinct order_priority) as order_priorities,
        count(distinct order_status) as order_statuses
    from {{ ref('dim_line_flags') }}
    where line_flags_key >= 0

),

seed_codes as (

    select
        count(case when flag_name = 'return_flag' then 1 end) as return_flags,
        count(case when flag_name = 'line_status' then 1 end) as line_statuses,
        count(case when flag_name = 'ship_mode' then 1 end) as ship_modes,
        count(case when flag_name = 'ship_instructions' then 1 end) as ship_instructions,
        count(case when flag_name = 'order_priority' then 1 end) as order_priorities,
        count(case when flag_name = 'order_status' then 1 end) as order_statuses
    from {{ ref('tpch_flag_codes') }}

),

final as (

    select
        dimension.combinations,
        seed_codes.return_flags
        * seed_codes.line_statuses
        * seed_codes.ship_modes
        * seed_codes.ship_instructions
        * seed_codes.order_priorities
        * seed_codes.order_statuses as expected_combinations
    from dimension
    cross join seed_codes
    where
        dimension.return_flags <> seed_codes.return_flags
        or dimension.line_statuses <> seed_codes.line_statuses
        or dimension.ship_modes <> seed_codes.ship_modes
        or dimension.ship_instructions <> seed_codes.ship_instructions
        or dimension.order_priorities <> seed_codes.order_priorities
        or dimension.order_statuses <> seed_codes.order_statuses
        or dimension.combinations
        <> seed_codes.return_flags
        * seed_codes.line_statuses
        * seed_codes.ship_modes
        * seed_codes.ship_instructions
        * seed_codes.order_priorities
        * seed_codes.order_statuses

)

select * from final
