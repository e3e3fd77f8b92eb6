{#-
    One row per version of a supplier (SCD2), plus the special members, by the layout of
    macros/scd2/scd2_dimension.sql. Type 2: nation (geography_key); type 6: its current_ column; type 1: name,
    address, phone, balance, comment.
    Incremental: a build writes again only the suppliers whose current snapshot row differs from their current
    version here (macros/scd2/scd2_members_to_rebuild.sql), every version of each, from the supplier's whole
    history; the special members are written by the first build and a --full-refresh.
-#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='supplier_id',
        on_schema_change='fail',
        post_hook=["{{ record_model_watermark() }}"],
    )
}}

with

{% if is_incremental() %}
-- The suppliers to write again, comparing each column below with its value from the snapshot row.
members_to_rebuild as (

    {{ scd2_members_to_rebuild(ref('snp_tpch__supplier'), 'supplier_id', {
        'geography_key': key_or_unknown(['snapshot_row.nation_id']),
        'current_geography_key': key_or_unknown(['snapshot_row.nation_id']),
        'supplier_name': 'snapshot_row.supplier_name',
        'supplier_address': 'snapshot_row.supplier_address',
        'phone_number': 'snapshot_row.phone_number',
        'supplier_comment': 'snapshot_row.supplier_comment',
        'account_balance': 'snapshot_row.account_balance',
    }) }}

),

{% endif %}
-- One row per version: a new one at a supplier's first snapshot version and wherever its nation (the one
-- type-2 attribute) or the deleted flag changes; latest_<column>: the supplier's latest values.
versions as (

    {{ scd2_dimension_versions(
        ref('snp_tpch__supplier'),
        'supplier_id',
        versioned_columns=['nation_id'],
        latest_columns=[
            'supplier_name', 'supplier_address', 'phone_number', 'nation_id', 'account_balance', 'supplier_comment',
        ],
        members='members_to_rebuild' if is_incremental() else none,
    ) }}

),

supplier_versions as (

    select
        -- keys
        {{ surrogate_key(['supplier_id', timestamp_text('valid_from')]) }} as supplier_key,
        supplier_id,
        {{ key_or_unknown(['nation_id']) }} as geography_key,
        {{ key_or_unknown(['latest_nation_id']) }} as current_geography_key,

        -- attributes
        latest_supplier_name as supplier_name,
        latest_supplier_address as supplier_address,
        latest_phone_number as phone_number,
        latest_supplier_comment as supplier_comment,
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
        'supplier_key': 'key',
        'supplier_id': 'integer',
        'geography_key': 'key',
        'current_geography_key': 'key',
        'supplier_name': 'name',
        'supplier_address': 'name',
        'phone_number': 'name',
        'supplier_comment': 'name',
        'is_current': 'current',
        'is_deleted': 'not_deleted',
        'account_balance': 'numeric(15, 2)',
        'valid_from': 'floor',
        'valid_to': 'end_of_time',
    }) }}

),

final as (

    select * from supplier_versions
    {% if not is_incremental() %}
        union all
        select * from special_members
    {% endif %}

)

select * from final
