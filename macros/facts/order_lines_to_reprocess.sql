{#-
    Which order lines an incremental run of fct_order_lines computes again: the condition on `lines` (the
    candidate lines, with order_id, line_number and updated_at) given the fact as it stands (`fact`). A line is
    taken when
    (0) the fact is empty: every line (a first incremental run over an emptied table);
    (a) it changed in the source after the fact's latest updated_at less var fct_lookback_days days: late and
        out-of-order changes within the lookback are not missed;
    (b) the fact holds it with an unknown (-1) customer, supplier or part key or no supply cost, and its order
        date key is within var fct_rekey_days days of the fact's latest order date: a dimension member or a
        cost that arrived late re-keys it, without a --full-refresh.
-#}
{% macro order_lines_to_reprocess(lines, fact) -%}
    {%- set changed_since -%}
        (
            select max(changed.updated_at) - interval '{{ var("fct_lookback_days") }} days'
            from {{ fact }} as changed
        )
    {%- endset -%}
    {%- set rekey_from_date_key -%}
        (
            select
                {{ date_key(
                    "to_date(max(recent.order_date_key)::text, 'YYYYMMDD') - " ~ var("fct_rekey_days")
                ) }}
            from {{ fact }} as recent
            where recent.order_date_key > 0
        )
    {%- endset -%}
    not exists (select 1 from {{ fact }})
    or {{ lines }}.updated_at > {{ changed_since }}
    or ({{ lines }}.order_id, {{ lines }}.line_number) in (
        select
            waiting.order_id,
            waiting.line_number
        from {{ fact }} as waiting
        where
            waiting.order_date_key >= {{ rekey_from_date_key }}
            and (
                waiting.customer_key = {{ unknown_key() }}
                or waiting.supplier_key = {{ unknown_key() }}
                or waiting.part_key = {{ unknown_key() }}
                or waiting.supply_cost is null
            )
    )
{%- endmacro %}
