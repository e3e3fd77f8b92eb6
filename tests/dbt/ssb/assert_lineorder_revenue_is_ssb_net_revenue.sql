-- depends_on: {{ ref('fct_order_lines') }}
{%- set since = last_passed_through() %}
{%- set changed_orders = 'select fact.order_id from ' ~ ref('fct_order_lines') ~ ' as fact where fact.loaded_at > '
    ~ since %}
-- SSB defines lo_revenue as lo_extendedprice * (100 - lo_discount) / 100; lineorder takes it from the star's
-- exact net revenue. Fails on every line where the two differ at all, e.g. if the star's net revenue were
-- rounded or stopped being the discounted price, or lo_discount were not a percent. An incremental build checks
-- the lines of the orders loaded since this test last passed, a full one every line (last_passed_through(),
-- macros/tests/scoped_data_tests.sql); the orders are fetched by key (in_keys: an index lookup each on PostgreSQL).
select
    lo_orderkey,
    lo_linenumber,
    lo_extendedprice,
    lo_discount,
    lo_revenue
from {{ ref('lineorder') }}
-- Multiplied out rather than divided: exact on every engine (no decimal division, whose scale engines choose).
where
    lo_revenue * 100 <> lo_extendedprice * (100 - lo_discount)
    and {{ among_changed_keys('lo_orderkey', changed_orders, since) }}
