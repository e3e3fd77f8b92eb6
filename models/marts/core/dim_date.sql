with

orders as (

    select order_date
    from {{ ref('int_orders_screened') }}

),

order_lines as (

    select
        commit_date,
        ship_date,
        receipt_date
    from {{ ref('int_lineitem_screened') }}

),

-- NULLs skipped: a line not shipped or not received yet still counts its other dates.
order_date_range as (

    select
        min(order_date) as first_date,
        max(order_date) as last_date
    from orders

),

line_date_range as (

    select
        min({{ least_ignoring_nulls(['commit_date', 'ship_date', 'receipt_date']) }}) as first_date,
        max({{ greatest_ignoring_nulls(['commit_date', 'ship_date', 'receipt_date']) }}) as last_date
    from order_lines

),

calendar_range as (

    select
        {{ least_ignoring_nulls([
            'order_date_range.first_date',
            'line_date_range.first_date',
            "'" ~ var('dim_date_start_date') ~ "'::date",
        ]) }} as start_date,
        ({{ dbt.dateadd('day', var('dim_date_margin_days'), "coalesce(
            " ~ greatest_ignoring_nulls(['order_date_range.last_date', 'line_date_range.last_date']) ~ ",
            '" ~ var('dim_date_start_date') ~ "'::date
        )") }})::date as end_date
    from order_date_range
    cross join line_date_range

),

calendar as (

    {{ date_spine(
        "(select calendar_range.start_date from calendar_range)",
        "(select calendar_range.end_date from calendar_range)"
    ) }}

),

calendar_days as (

    select
        -- keys
        {{ date_key('date_day') }} as date_key,
        date_day,

        -- attributes
        {{ date_part_integer('isodow', 'date_day') }} as day_of_week,
        {{ day_name('date_day') }} as day_name,
        {{ date_part_integer('day', 'date_day') }} as day_of_month,
        {{ date_part_integer('doy', 'date_day') }} as day_of_year,
        {{ date_part_integer('week', 'date_day') }} as iso_week,
        {{ date_part_integer('isoyear', 'date_day') }} as iso_year,
        {{ date_part_integer('month', 'date_day') }} as month_of_year,
        {{ month_name('date_day') }} as month_name,
        {{ date_part_integer('quarter', 'date_day') }} as quarter_of_year,
        {{ date_part_integer('year', 'date_day') }} as calendar_year,
        {{ date_part_integer('isodow', 'date_day') }} in (6, 7) as is_weekend,
        {{ dbt.last_day('date_day::timestamp', 'month') }}::date = date_day as is_month_end,

        -- dates
        {{ dbt.date_trunc('month', 'date_day::timestamp') }}::date as month_start_date,
        {{ dbt.last_day('date_day::timestamp', 'month') }}::date as month_end_date

    from calendar

),

-- The special members: no day, so every calendar attribute is NULL and the names say which member it is.
special_members as (

    {{ dimension_members({
        'date_key': 'key',
        'date_day': 'date',
        'day_of_week': 'integer',
        'day_name': 'name',
        'day_of_month': 'integer',
        'day_of_year': 'integer',
        'iso_week': 'integer',
        'iso_year': 'integer',
        'month_of_year': 'integer',
        'month_name': 'name',
        'quarter_of_year': 'integer',
        'calendar_year': 'integer',
        'is_weekend': 'boolean',
        'is_month_end': 'boolean',
        'month_start_date': 'date',
        'month_end_date': 'date',
    }) }}

),

final as (

    select * from calendar_days
    union all
    select * from special_members

)

select * from final
