-- TPC-H Q17 over the star with BRAND = Brand#41 (README): the part's brand (type 1) and container (type 2) as they are
-- now, from its current version; the average quantity over all the part's lines, whatever version they point
-- at (by the natural key part_id); the yearly average of the extended price measure.
-- The parts are chosen first, so only their lines are read and averaged (averaging every part's lines and then
-- keeping the chosen ones read the whole fact: 5.6x the source text's time at SF 0.1).
with

-- The parts asked about, as they are now; only their lines are read (the fact's part_key index finds them).
selected_parts as (
    select part.part_id
    from dim_part as part
    where
        part.is_current
        and not part.is_deleted
        and part.brand = 'Brand#41'
        and part.container = 'MED BOX'
),

part_lines as (
    select
        part_version.part_id,
        lines.quantity,
        lines.extended_price
    from fct_order_lines as lines
    inner join dim_part as part_version
        on lines.part_key = part_version.part_key
    where part_version.part_id in (select selected_parts.part_id from selected_parts)
),

small_quantities as (
    select
        part_lines.part_id,
        0.2 * avg(part_lines.quantity) as small_quantity
    from part_lines
    group by
        part_lines.part_id
)

select
    sum(part_lines.extended_price) / 7.0 as avg_yearly
from part_lines
inner join small_quantities
    on part_lines.part_id = small_quantities.part_id
where
    part_lines.quantity < small_quantities.small_quantity;
