{#-
    The warehouse's business clock: one row per business date its data reached, appended by the build that
    first saw it. Kept across --full-refresh (full_refresh=false), like a snapshot: it is the record of when
    the warehouse started, which the sources no longer hold once their rows have changed.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

with

orders as (

    select order_date
    from {{ ref('int_orders_screened') }}

),

partsupp_versions as (

    select updated_at
    from {{ ref('int_partsupp_versions') }}
    where not is_deleted

),

-- The latest business date the warehouse has seen: an order placed, or a stock movement or price change.
latest_business_date as (

    select max(business_date) as business_date
    from (
        select max(orders.order_date) as business_date
        from orders
        union all
        select max(partsupp_versions.updated_at)::date as business_date
        from partsupp_versions
    ) as business_dates

),

-- The newest business date this table already holds (none on its first build).
already_recorded as (

    {% if is_incremental() %}
        select max(clock.business_date) as business_date
        from {{ this }} as clock
    {% else %}
        select null::date as business_date
    {% endif %}

),

final as (

    select
        latest_business_date.business_date,
        {{ dbt.current_timestamp() }} as recorded_at
    from latest_business_date
    cross join already_recorded
    where
        latest_business_date.business_date is not null
        and latest_business_date.business_date > coalesce(already_recorded.business_date, '0001-01-01'::date)

)

select * from final
