-- ssb.lineorder is a view over fct_order_lines (left joins to fct_orders and dim_line_flags on their primary
-- keys), so one pass over it checks what per-column tests checked in one pass each (23 scans of a 6M-line
-- join at SF 1). Returns one row per failed check, with what it found and what it expected:
-- - lineorder has exactly fct_order_lines' lines: a left join never drops a line and a join that fanned out
--   would add some, so with fct_order_lines' enforced primary key (order_id, line_number) equal counts mean
--   (lo_orderkey, lo_linenumber) is unique;
-- - no line has a NULL in a column SSB's queries read (the joined order and flags included);
-- - lo_discount is a whole percent 0-10, lo_tax 0-8 (TPC-H's ranges);
-- - ssb.customer, supplier, part and date hold exactly the star dimensions' rows, so lo_custkey, lo_suppkey,
--   lo_partkey, lo_orderdate and lo_commitdate (fct_order_lines' keys, unchanged, whose relationships tests
--   run on the table) all resolve in the SSB dimensions too (each SSB key is tested unique on its view).
-- An incremental build checks the lines of the orders loaded since this test last passed, a full one every line
-- (last_passed_through(), macros/tests/scoped_data_tests.sql): the view's columns are a function of the line. The
-- changed orders are fetched by key (in_keys: an index lookup each on PostgreSQL).
{%- set required = [
    'lo_orderkey', 'lo_linenumber', 'lo_custkey', 'lo_partkey', 'lo_suppkey', 'lo_orderdate', 'lo_orderpriority',
    'lo_quantity', 'lo_extendedprice', 'lo_discount', 'lo_revenue', 'lo_tax', 'lo_commitdate', 'lo_shipmode',
] %}
{%- set dimensions = [
    ('customer', 'dim_customer'), ('supplier', 'dim_supplier'), ('part', 'dim_part'), ('date', 'dim_date'),
] %}

{%- set since = last_passed_through() %}
{%- set changed_orders = 'select fact.order_id from ' ~ ref('fct_order_lines') ~ ' as fact where fact.loaded_at > '
    ~ since %}

with

lineorder_lines as (

    select
        count(*) as line_count,
        {%- for column in required %}
            count(*) - count({{ column }}) as {{ column }}_nulls,
        {%- endfor %}
        sum(case when lo_discount between 0 and 10 then 0 else 1 end) as lo_discount_out_of_range,
        sum(case when lo_tax between 0 and 8 then 0 else 1 end) as lo_tax_out_of_range
    from {{ ref('lineorder') }}
    where {{ among_changed_keys('lo_orderkey', changed_orders, since) }}

),

fact_lines as (

    select count(*) as line_count
    from {{ ref('fct_order_lines') }}
    where {{ among_changed_keys('order_id', changed_orders, since) }}

),

checks as (

    select
        'lineorder lines vs fct_order_lines lines' as check_name,
        lineorder_lines.line_count as found,
        fact_lines.line_count as expected
    from lineorder_lines
    cross join fact_lines
    {%- for column in required %}
        union all
        select
            '{{ column }} is NULL' as check_name,
            {{ column }}_nulls as found,
            0 as expected
        from lineorder_lines
    {%- endfor %}
    union all
    select
        'lo_discount outside 0-10' as check_name,
        coalesce(lo_discount_out_of_range, 0) as found,
        0 as expected
    from lineorder_lines
    union all
    select
        'lo_tax outside 0-8' as check_name,
        coalesce(lo_tax_out_of_range, 0) as found,
        0 as expected
    from lineorder_lines
    {%- for ssb_dimension, star_dimension in dimensions %}
        union all
        select
            'ssb.{{ ssb_dimension }} rows vs {{ star_dimension }} rows' as check_name,
            (select count(*) from {{ ref(ssb_dimension) }}) as found,
            (select count(*) from {{ ref(star_dimension) }}) as expected
    {%- endfor %}

),

final as (

    select
        check_name,
        found,
        expected
    from checks
    where found <> expected

)

select * from final
