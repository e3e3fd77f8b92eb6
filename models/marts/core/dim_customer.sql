{#-
    One row per version of a customer (SCD2), plus the special members, by the layout of
    macros/scd2/scd2_dimension.sql. Type 2: nation (geography_key) and market segment; type 6: their current_
    columns; type 1: name, address, phone, balance, comment.
    Incremental: a build writes again only the customers whose current snapshot row differs from their current
    version here (macros/scd2/scd2_members_to_rebuild.sql), every version of each, from the customer's whole
    history; the special members are written by the first build and a --full-refresh.
-#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='fail',
        post_hook=["{{ record_model_watermark() }}"],
    )
}}

with

{% if is_incremental() %}
-- The customers to write again, comparing each column below with its value from the snapshot row.
members_to_rebuild as (

    {{ scd2_members_to_rebuild(ref('snp_tpch__customer'), 'customer_id', {
        'geography_key': key_or_unknown(['snapshot_row.nation_id']),
        'current_geography_key': key_or_unknown(['snapshot_row.nation_id']),
        'customer_name': 'snapshot_row.customer_name',
        'customer_address': 'snapshot_row.customer_address',
        'phone_number': 'snapshot_row.phone_number',
        'market_segment': 'snapshot_row.market_segment',
        'current_market_segment': 'snapshot_row.market_segment',
        'customer_comment': 'snapshot_row.customer_comment',
        'account_balance': 'snapshot_row.account_balance',
    }) }}

),

{% endif %}
-- One row per version: a new one at a customer's first snapshot version and wherever a type-2 attribute
-- (nation, market segment) or the deleted flag changes; latest_<column>: the customer's latest values.
versions as (

    {{ scd2_dimension_versions(
        ref('snp_tpch__customer'),
        'customer_id',
        versioned_columns=['nation_id', 'market_segment'],
        latest_columns=[
            'customer_name', 'customer_address', 'phone_number', 'nation_id', 'market_segment', 'account_balance',
            'customer_comment',
        ],
        members='members_to_rebuild' if is_incremental() else none,
    ) }}

),

customer_versions as (

    select
        -- keys
        {{ surrogate_key(['customer_id', timestamp_text('valid_from')]) }} as customer_key,
        customer_id,
        {{ key_or_unknown(['nation_id']) }} as geography_key,
        {{ key_or_unknown(['latest_nation_id']) }} as current_geography_key,

        -- attributes
        latest_customer_name as customer_name,
        latest_customer_address as customer_address,
        latest_phone_number as phone_number,
        market_segment,
        latest_market_segment as current_market_segment,
        latest_customer_comment as customer_comment,
        valid_to = {{ end_of_time() }} as is_current,
        is_deleted,

        -- measures
        latest_account_balance as account_balance,

        -- timestamps
        valid_from,
        valid_to
    from versions

),

special_members as (

    {{ dimension_members({
        'customer_key': 'key',
        'customer_id': 'integer',
        'geography_key': 'key',
        'current_geography_key': 'key',
        'customer_name': 'name',
        'customer_address': 'name',
        'phone_number': 'name',
        'market_segment': 'name',
        'current_market_segment': 'name',
        'customer_comment': 'name',
        'is_current': 'current',
        'is_deleted': 'not_deleted',
        'account_balance': 'numeric(15, 2)',
        'valid_from': 'floor',
        'valid_to': 'end_of_time',
    }) }}

),

final as (

    select * from customer_versions
    {% if not is_incremental() %}
        union all
        select * from special_members
    {% endif %}

)

select * from final
