-- TPC-H Q17 over the star: the part's brand (type 1) and container (type 2) as they are
-- now, from its current version; the average quantity over all the part's lines, whatever version they point
-- at (by the natural key part_id); the yearly average of the extended price measure.
with

part_lines as (
    select
        part.part_id,
        lines.quantity,
        lines.extended_price
    from fct_order_lines as lines
    inner join dim_part as part
        on lines.part_key = part.part_key
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
inner join dim_part as part
    on part_lines.part_id = part.part_id
where
    part.is_current
    and not part.is_deleted
    and part.brand = 'Brand#23'
    and part.container = 'MED BOX'
    and part_lines.quantity < small_quantities.small_quantity;
