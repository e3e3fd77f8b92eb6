{#-
    The screened rows of `table` an incremental build of int_<table>_accepted compares with the accepted ones
    (macros/quarantine/quarantine_accepted.sql; int_business_clock reads them too), or none when it must read
    every screened row: not an incremental build, `--full-refresh`, `--vars '{quarantine_checks: full}'`, no
    watermark recorded yet, or sample-data mode, whose raw has no load ids. A union (no duplicate row) of
    - the rows of the loads after the watermark of the model's last build (model_watermark): every load up to
      it was whole in raw when that build read it, so its rows were screened then. Found in raw by its loaded_at
      index (the expression from_epoch_seconds of _dlt_load_id, compared with the watermark as a literal, through
      the same conversion: the planner sees how few rows follow it, and the watermark's own load, all of raw
      after a full ingest, is not read again);
    - the rows whose key has a resolved event in quarantine_events: released from the quarantine without a new
      load (a parent arrived, a rule stopped applying).
-#}
{% macro quarantine_accepted_candidates(table, spec) %}
    {%- if not execute or not is_incremental() or flags.FULL_REFRESH or var('quarantine_checks', 'changes') == 'full'
        or sample_data_schema() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set since = model_watermark() -%}
    {%- if since is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set loaded_key, released_key, raw_key = [], [], [] -%}
    {%- for column in spec.key -%}
        {%- do loaded_key.append('loaded.' ~ column ~ ' = screened.' ~ column) -%}
        {%- do released_key.append('released.' ~ column ~ ' = screened.' ~ column) -%}
        {%- do raw_key.append('raw_row.' ~ spec.source_key[loop.index0] ~ ' as ' ~ column) -%}
    {%- endfor -%}
    {%- set candidates -%}
        select screened.*
        from {{ ref('int_' ~ table ~ '_screened') }} as screened
        inner join (
            select distinct {{ raw_key | join(', ') }}
            from {{ source('tpch', table) }} as raw_row
            where {{ from_epoch_seconds('raw_row._dlt_load_id') }} > {{ from_epoch_seconds(since ~ '') }}
        ) as loaded
            on {{ loaded_key | join(' and ') }}
        union
        select screened.*
        from {{ ref('int_' ~ table ~ '_screened') }} as screened
        inner join (
            select distinct {{ quarantine_typed_key('event.row_key', spec.key, spec.source_key) }}
            from {{ ref('quarantine_events') }} as event
            where event.table_name = '{{ table }}' and event.resolved_at is not null
        ) as released
            on {{ released_key | join(' and ') }}
    {%- endset -%}
    {{ return(candidates) }}
{% endmacro %}
