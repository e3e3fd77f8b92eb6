-- SSB defines lo_revenue as lo_extendedprice * (100 - lo_discount) / 100; lineorder takes it from the star's
-- exact net revenue. Fails on every line where the two differ at all, e.g. if the star's net revenue were
-- rounded or stopped being the discounted price, or lo_discount were not a percent.
select
    lo_orderkey,
    lo_linenumber,
    lo_extendedprice,
    lo_discount,
    lo_revenue
from {{ ref('lineorder') }}
where lo_revenue <> lo_extendedprice * (100 - lo_discount) / 100
