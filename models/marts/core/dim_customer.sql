{#-
    One row per version of a customer (SCD2), plus the special members, by the layout of
    macros/scd2/scd2_dimension.sql. Type 2: nation (geography_key) and market segment; type 6: their current_
    columns; type 1: name, address, phone, balance, comment.
-#}

with

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
    ) }}

),

customer_versions as (

    select
        -- keys
        {{ surrogate_key(['customer_id', 'valid_from']) }} as customer_key,
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
    union all
    select * from special_members

)

select * from final
