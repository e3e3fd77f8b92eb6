{#-
    MetricFlow's time spine: one row per calendar day of dim_date (without its two special members), the
    days metric_time is bucketed on and cumulative metrics are filled over.
-#}
with

dates as (

    select date_day
    from {{ ref('dim_date') }}
    where date_day is not null

),

final as (

    select date_day
    from dates

)

select * from final
