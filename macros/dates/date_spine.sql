{#-
    A select of one column, date_day (date), holding every day from start_date to end_date, both
    included; no row when start_date is after end_date or either is NULL. The bounds are SQL expressions
    (a quoted literal, a column of a one-row CTE, a scalar subquery). Counted in whole days added to a
    date, so the session time zone and daylight-saving changes cannot skip or repeat a day.
-#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine')(start_date, end_date)) }}
{%- endmacro %}

{#-
    PostgreSQL: the day offsets 0 .. (end - start) of an integer generate_series, whose planner support
    counts the rows when the bounds are constants (plan_time_value): a series of timestamps is always
    guessed at 1,000 rows, which can make a join to the spine pick a plan built for a thousand days.
-#}
{% macro default__date_spine(start_date, end_date) -%}
    select (bounds.start_day + spine.day_offset)::date as date_day
    from
        (
            select
                ({{ start_date }})::date as start_day,
                ({{ end_date }})::date as end_day
        ) as bounds
    cross join lateral generate_series(0, bounds.end_day - bounds.start_day) as spine (day_offset)
{%- endmacro %}


{#-
    Snowflake has no generate_series: the day offsets are an array (array_generate_range), flattened laterally
    beside the bounds, so the number of days needs no constant.
-#}
{% macro snowflake__date_spine(start_date, end_date) -%}
    select dateadd(day, spine.value::integer, bounds.start_day)::date as date_day
    from
        (
            select
                ({{ start_date }})::date as start_day,
                ({{ end_date }})::date as end_day
        ) as bounds,
        lateral flatten(
            input => array_generate_range(
                0, greatest(coalesce(datediff(day, bounds.start_day, bounds.end_day) + 1, 0), 0)
            )
        ) as spine
{%- endmacro %}
