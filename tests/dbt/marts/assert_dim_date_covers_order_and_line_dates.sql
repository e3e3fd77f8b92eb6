-- dim_date covers every order, commit, ship and receipt date in staging, starts no later than
-- var dim_date_start_date and reaches var dim_date_margin_days past the latest of those dates.
-- Returns one row per problem: the date concerned and what is wrong with it.
with

calendar as (

    select date_day
    from {{ ref('dim_date') }}
    where date_day is not null

),

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

business_dates as (

    select order_date as business_date from orders
    union
    select commit_date as business_date from order_lines
    union
    select ship_date as business_date from order_lines
    union
    select receipt_date as business_date from order_lines

),

missing_days as (

    select
        business_dates.business_date as date_day,
        'an order or line date has no dim_date row' as problem
    from business_dates
    where
        business_dates.business_date is not null
        and not exists (
            select 1
            from calendar
            where calendar.date_day = business_dates.business_date
        )

),

bounds as (

    select
        (select min(calendar.date_day) from calendar) as first_day,
        (select max(calendar.date_day) from calendar) as last_day,
        (select max(business_dates.business_date) from business_dates)
        + {{ var("dim_date_margin_days") }} as last_day_needed

),

short_calendar as (

    select
        bounds.first_day as date_day,
        'the calendar starts after {{ var("dim_date_start_date") }}' as problem
    from bounds
    where bounds.first_day > '{{ var("dim_date_start_date") }}'::date
    union all
    select
        bounds.last_day as date_day,
        'the calendar ends before the latest date plus the margin' as problem
    from bounds
    where bounds.last_day < bounds.last_day_needed

),

final as (

    select * from missing_days
    union all
    select * from short_calendar

)

select * from final
