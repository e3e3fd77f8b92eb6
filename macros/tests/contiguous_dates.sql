{#-
    Fails once per gap in a date column: returns, for each run of missing days, the last date before it,
    the first date after it and the number of days missing. NULLs and repeated dates are ignored (pair the
    test with `unique` for one row per day).
-#}
{% test contiguous_dates(model, column_name) %}

    with

    dates as (

        select distinct {{ column_name }} as date_day
        from {{ model }}
        where {{ column_name }} is not null

    ),

    steps as (

        select
            date_day as date_before_gap,
            lead(date_day) over (order by date_day) as date_after_gap
        from dates

    )

    select
        date_before_gap,
        date_after_gap,
        date_after_gap - date_before_gap - 1 as missing_days
    from steps
    where date_after_gap - date_before_gap > 1

{% endtest %}
