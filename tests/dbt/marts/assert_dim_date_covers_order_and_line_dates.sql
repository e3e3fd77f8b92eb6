-- dim_date covers every order, commit, ship and receipt date in staging (the screened rows and the quarantined
-- ones), starts no later than var dim_date_start_date and reaches var dim_date_margin_days past the latest of
-- those dates.
-- dim_date has no gap (its contiguous_dates test), so it covers every date between its first and last day:
-- comparing its bounds with the earliest and latest business dates proves the coverage in one aggregate
-- pass over each table, where listing the distinct dates took three scans of the lines and a sort.
-- An incremental build checks the rows loaded since this test last passed (last_passed_through(),
-- macros/tests/scoped_data_tests.sql; raw's loaded_at index finds them), a full one every row: the calendar
-- never shrinks (dim_date is incremental and only adds days), so the rows it covered when the test passed are
-- still covered.
-- Returns one row per problem: the date concerned and what is wrong with it.
{%- set since = last_passed_through() %}
with

calendar as (

    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from {{ ref('dim_date') }}
    where date_day is not null

),

order_bounds as (

    select
        min(order_date) as earliest,
        max(order_date) as latest
    from {{ ref('stg_tpch__orders') }}
    where loaded_at > {{ since }}

),

line_bounds as (

    select
        min(commit_date) as earliest_commit,
        max(commit_date) as latest_commit,
        min(ship_date) as earliest_ship,
        max(ship_date) as latest_ship,
        min(receipt_date) as earliest_receipt,
        max(receipt_date) as latest_receipt
    from {{ ref('stg_tpch__lineitem') }}
    where loaded_at > {{ since }}

),

-- min and max ignore NULLs (a line not shipped yet); with no rows at all the bounds are NULL and nothing
-- needs covering.
business_bounds as (

    select
        min(bounds.earliest) as earliest,
        max(bounds.latest) as latest
    from (
        select
            order_bounds.earliest,
            order_bounds.latest
        from order_bounds
        union all
        select
            line_bounds.earliest_commit,
            line_bounds.latest_commit
        from line_bounds
        union all
        select
            line_bounds.earliest_ship,
            line_bounds.latest_ship
        from line_bounds
        union all
        select
            line_bounds.earliest_receipt,
            line_bounds.latest_receipt
        from line_bounds
    ) as bounds

),

final as (

    select
        calendar.first_day as date_day,
        'the calendar starts after {{ var("dim_date_start_date") }}' as problem
    from calendar
    where calendar.first_day > '{{ var("dim_date_start_date") }}'::date
    union all
    select
        business_bounds.earliest as date_day,
        'an order or line date lies before the calendar''s first day' as problem
    from business_bounds
    cross join calendar
    where
        business_bounds.earliest < calendar.first_day
        or (calendar.first_day is null and business_bounds.earliest is not null)
    union all
    select
        calendar.last_day as date_day,
        'the calendar ends before the latest date plus the margin' as problem
    from business_bounds
    cross join calendar
    where calendar.last_day < business_bounds.latest + {{ var("dim_date_margin_days") }}

)

select * from final
