-- TPC-H Q19 over the star: the revenue is the lines' net_revenue; ship mode and ship instructions from the
-- line's junk dimension row; the part as it is now (its current version: brand is type 1, container and size
-- type 2), found by the natural key of the version the line points at; only parts that still exist.
select
    sum(lines.net_revenue) as revenue
from fct_order_lines as lines
inner join dim_line_flags as line_flags
    on lines.line_flags_key = line_flags.line_flags_key
inner join dim_part as part_version
    on lines.part_key = part_version.part_key
inner join dim_part as part
    on
        part_version.part_id = part.part_id
        and part.is_current
        and not part.is_deleted
where
    (
        part.brand = 'Brand#12'
        and part.container in ('SM CASE', 'SM BOX', 'SM PACK', 'SM PKG')
        and lines.quantity >= 1 and lines.quantity <= 1 + 10
        and part.part_size between 1 and 5
        and line_flags.ship_mode in ('AIR', 'AIR REG')
        and line_flags.ship_instructions = 'DELIVER IN PERSON'
    )
    or
    (
        part.brand = 'Brand#23'
        and part.container in ('MED BAG', 'MED BOX', 'MED PKG', 'MED PACK')
        and lines.quantity >= 10 and lines.quantity <= 10 + 10
        and part.part_size between 1 and 10
        and line_flags.ship_mode in ('AIR', 'AIR REG')
        and line_flags.ship_instructions = 'DELIVER IN PERSON'
    )
    or
    (
        part.brand = 'Brand#34'
        and part.container in ('LG CASE', 'LG BOX', 'LG PACK', 'LG PKG')
        and lines.quantity >= 20 and lines.quantity <= 20 + 10
        and part.part_size between 1 and 15
        and line_flags.ship_mode in ('AIR', 'AIR REG')
        and line_flags.ship_instructions = 'DELIVER IN PERSON'
    );
