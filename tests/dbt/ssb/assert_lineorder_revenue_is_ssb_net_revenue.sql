-- SSB defines lo_revenue as lo_extendedprice * (100 - lo_discount) / 100; lineorder takes it from the star's
-- net revenue, kept to the cent. Fails on every line where the two differ by more than that rounding (half a
-- cent), e.g. if the star's net revenue stopped being the discounted price or lo_discount were not a percent.
select
    lo_orderkey,
    lo_linenumber,
    lo_extendedprice,
    lo_discount,
    lo_revenue
from {{ ref('lineorder') }}
where abs(lo_revenue - lo_extendedprice * (100 - lo_discount) / 100) > 0.005
