{#-
    A select of one column, date_day (date), holding every day from start_date to end_date, both
    included; no row when start_date is after end_date or either is NULL. The bounds are SQL expressions
    (a quoted literal, a column of a one-row CTE, a scalar subquery). Counted in timestamps without time
    zone, so the session time zone and daylight-saving changes cannot skip or repeat a day.
-#}
{% macro date_spine(start_date, end_date) -%}
    select spine.date_day::date as date_day
    from
        generate_series(
            ({{ start_date }})::date::timestamp,
            ({{ end_date }})::date::timestamp,
            interval '1 day'
        ) as spine (date_day)
{%- endmacro %}
