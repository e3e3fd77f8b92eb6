{#-
    Where an incremental fact's window starts: a scalar subquery giving the fact's latest loaded_at less var
    fct_lookback_days days (NULL while the fact has no loaded_at). Shared by order_lines_to_reprocess and
    orders_to_reprocess. loaded_at is the warehouse's own clock (when dlt loaded the row), never a value the source
    writes, so no source row can move the window; the lookback only absorbs loads that commit while a build runs.
-#}
{% macro fact_window_start(fact) -%}
    (
        select {{ dbt.dateadd('day', -var("fct_lookback_days"), 'max(latest.loaded_at)') }}
        from {{ fact }} as latest
    )
{%- endmacro %}
