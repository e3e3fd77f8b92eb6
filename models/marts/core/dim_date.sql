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

-- least() and greatest() skip NULLs: a line not shipped or not received yet still counts its other dates.
order_date_range as (

    select
        min(order_date) as first_date,
        max(order_date) as last_date
    from orders

),

line_date_range as (

    select
        min(least(commit_date, ship_date, receipt_date)) as first_date,
        max(greatest(commit_date, ship_date, receipt_date)) as last_date
    from order_lines

),

calendar_range as (

    select
        least(
            order_date_range.first_date,
            line_date_range.first_date,
            '{{ var("dim_date_start_date") }}'::date
        ) as start_date,
        coalesce(
            greatest(order_date_range.last_date, line_date_range.last_date),
            '{{ var("dim_date_start_date") }}'::date
        ) + {{ var("dim_date_margin_days") }} as end_date
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
        extract(isodow from date_day)::integer as day_of_week,
        to_char(date_day, 'FMDay') as day_name,
        extract(day from date_day)::integer as day_of_month,
        extract(doy from date_day)::integer as day_of_year,
        extract(week from date_day)::integer as iso_week,
        extract(isoyear from date_day)::integer as iso_year,
        extract(month from date_day)::integer as month_of_year,
        to_char(date_day, 'FMMonth') as month_name,
        extract(quarter from date_day)::integer as quarter_of_year,
        extract(year from date_day)::integer as calendar_year,
        extract(isodow from date_day) in (6, 7) as is_weekend,
        extract(month from date_day + 1) <> extract(month from date_day) as is_month_end,

        -- dates
        date_trunc('month', date_day::timestamp)::date as month_start_date,
        (date_trunc('month', date_day::timestamp) + interval '1 month')::date - 1 as month_end_date

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
