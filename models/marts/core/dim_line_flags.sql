with

flag_codes as (

    select
        flag_name,
        flag_code,
        flag_description
    from {{ ref('tpch_flag_codes') }}

),

return_flags as (

    select
        flag_code as return_flag,
        flag_description as return_flag_description
    from flag_codes
    where flag_name = 'return_flag'

),

line_statuses as (

    select
        flag_code as line_status,
        flag_description as line_status_description
    from flag_codes
    where flag_name = 'line_status'

),

ship_modes as (

    select flag_code as ship_mode
    from flag_codes
    where flag_name = 'ship_mode'

),

ship_instructions as (

    select flag_code as ship_instructions
    from flag_codes
    where flag_name = 'ship_instructions'

),

order_priorities as (

    select flag_code as order_priority
    from flag_codes
    where flag_name = 'order_priority'

),

order_statuses as (

    select
        flag_code as order_status,
        flag_description as order_status_description
    from flag_codes
    where flag_name = 'order_status'

),

-- Every combination TPC-H allows, seen or not, so a fact row never finds its combination missing.
combinations as (

    select
        return_flags.return_flag,
        return_flags.return_flag_description,
        line_statuses.line_status,
        line_statuses.line_status_description,
        ship_modes.ship_mode,
        ship_instructions.ship_instructions,
        order_priorities.order_priority,
        order_statuses.order_status,
        order_statuses.order_status_description
    from return_flags
    cross join line_statuses
    cross join ship_modes
    cross join ship_instructions
    cross join order_priorities
    cross join order_statuses

),

keyed as (

    select
        -- keys
        {{ line_flags_key(
            'return_flag', 'line_status', 'ship_mode', 'ship_instructions', 'order_priority', 'order_status'
        ) }} as line_flags_key,

        -- attributes
        return_flag,
        return_flag_description,
        line_status,
        line_status_description,
        ship_mode,
        ship_instructions,
        order_priority,
        order_status,
        order_status_description

    from combinations

),

special_members as (

    {{ dimension_members({
        'line_flags_key': 'key',
        'return_flag': 'name',
        'return_flag_description': 'name',
        'line_status': 'name',
        'line_status_description': 'name',
        'ship_mode': 'name',
        'ship_instructions': 'name',
        'order_priority': 'name',
        'order_status': 'name',
        'order_status_description': 'name',
    }) }}

),

final as (

    select * from keyed
    union all
    select * from special_members

)

select * from final
