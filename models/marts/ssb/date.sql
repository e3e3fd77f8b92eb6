with

calendar as (

    select
        date_key,
        date_day,
        day_of_week,
        day_name,
        day_of_month,
        day_of_year,
        month_of_year,
        month_name,
        calendar_year,
        is_month_end
    from {{ ref('dim_date') }}

),

-- SSB numbers the days of the week from Sunday (1) to Saturday (7); dim_date's ISO day is Monday (1) to
-- Sunday (7).
ssb_days as (

    select
        *,
        day_of_week % 7 + 1 as ssb_day_in_week
    from calendar

),

ssb_dates as (

    select
        date_key as d_datekey,
        day_name as d_dayofweek,
        month_name as d_month,
        calendar_year as d_year,
        ssb_day_in_week as d_daynuminweek,
        day_of_month as d_daynuminmonth,
        day_of_year as d_daynuminyear,
        month_of_year as d_monthnuminyear,
        is_month_end as d_lastdayinmonthfl,
        case
            when date_day is null then day_name
            else month_name || ' ' || day_of_month || ', ' || calendar_year
        end as d_date,
        calendar_year * 100 + month_of_year as d_yearmonthnum,
        case
            when date_day is null then month_name
            else left(month_name, 3) || calendar_year
        end as d_yearmonth,
        {{ integer_division('day_of_year - 1', 7) }} + 1 as d_weeknuminyear,
        case
            when date_day is null then day_name
            when month_of_year in (11, 12) then 'Christmas'
            when month_of_year between 5 and 8 then 'Summer'
            when month_of_year between 1 and 3 then 'Winter'
            when month_of_year = 4 then 'Spring'
            else 'Fall'
        end as d_sellingseason,
        ssb_day_in_week = 7 as d_lastdayinweekfl,
        (month_of_year, day_of_month) in (
            (12, 24), (1, 1), (2, 20), (4, 20), (5, 20), (7, 20), (8, 20), (9, 20), (10, 20), (11, 20)
        ) as d_holidayfl,
        ssb_day_in_week between 2 and 6 as d_weekdayfl
    from ssb_days

),

-- SSB's column order (the specification's).
final as (

    select
        d_datekey,
        d_date,
        d_dayofweek,
        d_month,
        d_year,
        d_yearmonthnum,
        d_yearmonth,
        d_daynuminweek,
        d_daynuminmonth,
        d_daynuminyear,
        d_monthnuminyear,
        d_weeknuminyear,
        d_sellingseason,
        d_lastdayinweekfl,
        d_lastdayinmonthfl,
        d_holidayfl,
        d_weekdayfl
    from ssb_dates

)

select * from final
