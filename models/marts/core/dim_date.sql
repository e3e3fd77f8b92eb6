{#-
    The calendar, incremental and never shrinking: a build adds the days a load brought into range, never
    removes one. Its range covers every order, commit, ship and receipt date in staging (quarantined rows'
    too, so a row released from the quarantine later finds its days), from var dim_date_start_date (or an
    earlier date) to the latest date plus var dim_date_margin_days. An incremental build reads only the orders
    and lines loaded after the load watermark of its last build (model_watermark, recorded by a post-hook in
    audit.model_watermarks; raw's loaded_at index finds them): a date can only move the range when its row was
    loaded since. A first build, a --full-refresh, or a build without a recorded watermark reads every row
    (at SF 1 the min and max over 6 M lines took 6-9 s of every build).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook=["{{ record_model_watermark() }}"],
    )
}}

{%- set since = model_watermark() if is_incremental() else none %}

with

orders as (

    select order_date
    from {{ ref('stg_tpch__orders') }}
    {% if since is not none -%}
        where loaded_at > {{ from_epoch_seconds(since ~ '') }}
    {%- endif %}

),

order_lines as (

    select
        commit_date,
        ship_date,
        receipt_date
    from {{ ref('stg_tpch__lineitem') }}
    {% if since is not none -%}
        where loaded_at > {{ from_epoch_seconds(since ~ '') }}
    {%- endif %}

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

-- The days the calendar already holds (none on a first build): the new range extends them.
held_range as (

    {% if is_incremental() -%}
        select
            min(held.date_day) as first_date,
            max(held.date_day) as last_date
        from {{ this }} as held
    {%- else -%}
        select
            null::date as first_date,
            null::date as last_date
    {%- endif %}

),

calendar_range as (

    select
        {{ least_ignoring_nulls([
            'order_date_range.first_date',
            'line_date_range.first_date',
            'held_range.first_date',
            "'" ~ var('dim_date_start_date') ~ "'::date",
        ]) }} as start_date,
        {{ greatest_ignoring_nulls([
            "(" ~ dbt.dateadd('day', var('dim_date_margin_days'), "coalesce(
            " ~ greatest_ignoring_nulls(['order_date_range.last_date', 'line_date_range.last_date']) ~ ",
            '" ~ var('dim_date_start_date') ~ "'::date
        )") ~ ")::date",
            'held_range.last_date',
        ]) }} as end_date
    from order_date_range
    cross join line_date_range
    cross join held_range

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
    {% if is_incremental() -%}
        where not exists (
            select 1 from {{ this }} as held
            where held.date_day = calendar.date_day
        )
    {%- endif %}

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
    {% if is_incremental() -%}
        -- only those missing (all of them on a first build)
        where not exists (
            select 1 from {{ this }} as held
            where held.date_key = special_members.date_key
        )
    {%- endif %}

)

select * from final
