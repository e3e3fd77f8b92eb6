{#-
    The rules the star relies on, per source table: a row that breaks one is quarantined (models/quarantine/).

    Each table names its staging reader, its key columns and its rules; `indexed_key` (lineitem, orders) says
    that staging's first key column keeps raw's type, so raw's primary key index finds the rows of given keys
    (quarantine_violations' incremental check reads them so; a cast key is read by a scan). A rule is one of
      not_null   column must have a value
      values     column must be one of `values` (the TPC-H codes, the same lists as dim_line_flags' seed)
      range      column must lie in [min, max] (and not be null)
      orphan     column must exist as `parent_column` of a live row of staging model `parent`
      after      column (a date) must not be before `than` (an expression over the row, or a parent's column
                 through `parent`/`parent_key`/`parent_column`)
      text       column must not hold control characters (but tab, line feed and carriage return) nor be longer
                 than var('quarantine_max_text_length') characters
    A NULL in a values or range column is reported as missing_value. Orders whose customer has not arrived are
    not broken: the facts give them the unknown member (-1) and re-key them when it arrives (a late-arriving
    dimension member), so orders.customer_id must be present but need not exist in customer yet.
-#}
{% macro quarantine_rules() %}
{%- set segments = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'] -%}
    {{ return({
        'region': {
            'model': 'stg_tpch__region', 'key': ['region_id'], 'source_key': ['r_regionkey'],
            'rules': [
                {'rule': 'not_null', 'column': 'region_name'},
            ],
        },
        'nation': {
            'model': 'stg_tpch__nation', 'key': ['nation_id'], 'source_key': ['n_nationkey'],
            'rules': [
                {'rule': 'not_null', 'column': 'nation_name'},
                {'rule': 'orphan', 'column': 'region_id', 'parent': 'stg_tpch__region', 'parent_column': 'region_id'},
            ],
        },
        'supplier': {
            'model': 'stg_tpch__supplier', 'key': ['supplier_id'], 'source_key': ['s_suppkey'],
            'rules': [
                {'rule': 'not_null', 'column': 'supplier_name'},
                {'rule': 'not_null', 'column': 'account_balance'},
                {'rule': 'orphan', 'column': 'nation_id', 'parent': 'stg_tpch__nation', 'parent_column': 'nation_id'},
                {'rule': 'text', 'column': 'supplier_comment'},
            ],
        },
        'customer': {
            'model': 'stg_tpch__customer', 'key': ['customer_id'], 'source_key': ['c_custkey'],
            'rules': [
                {'rule': 'not_null', 'column': 'customer_name'},
                {'rule': 'not_null', 'column': 'account_balance'},
                {'rule': 'values', 'column': 'market_segment', 'values': segments},
                {'rule': 'orphan', 'column': 'nation_id', 'parent': 'stg_tpch__nation', 'parent_column': 'nation_id'},
                {'rule': 'text', 'column': 'customer_name'},
                {'rule': 'text', 'column': 'customer_comment'},
            ],
        },
        'part': {
            'model': 'stg_tpch__part', 'key': ['part_id'], 'source_key': ['p_partkey'],
            'rules': [
                {'rule': 'not_null', 'column': 'part_name'},
                {'rule': 'range', 'column': 'part_size', 'min': 1, 'max': 50},
                {'rule': 'range', 'column': 'retail_price', 'min': 0},
                {'rule': 'text', 'column': 'part_comment'},
            ],
        },
        'partsupp': {
            'model': 'stg_tpch__partsupp', 'key': ['part_id', 'supplier_id'], 'source_key': ['ps_partkey', 'ps_suppkey'],
            'rules': [
                {'rule': 'range', 'column': 'supply_cost', 'min': 0},
                {'rule': 'range', 'column': 'available_quantity', 'min': 0},
                {'rule': 'orphan', 'column': 'part_id', 'parent': 'stg_tpch__part', 'parent_column': 'part_id'},
                {'rule': 'orphan', 'column': 'supplier_id', 'parent': 'stg_tpch__supplier', 'parent_column': 'supplier_id'},
            ],
        },
        'orders': {
            'model': 'stg_tpch__orders', 'key': ['order_id'], 'source_key': ['o_orderkey'], 'indexed_key': true,
            'rules': [
                {'rule': 'not_null', 'column': 'order_date'},
                {'rule': 'not_null', 'column': 'customer_id'},
                {'rule': 'range', 'column': 'total_price', 'min': 0},
                {'rule': 'values', 'column': 'order_status', 'values': ['O', 'P', 'F']},
                {'rule': 'values', 'column': 'order_priority', 'values': ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW']},
                {'rule': 'text', 'column': 'order_comment'},
            ],
        },
        'lineitem': {
            'model': 'stg_tpch__lineitem', 'key': ['order_id', 'line_number'], 'source_key': ['l_orderkey', 'l_linenumber'],
            'indexed_key': true,
            'rules': [
                {'rule': 'range', 'column': 'quantity', 'min': 1, 'max': 50},
                {'rule': 'range', 'column': 'extended_price', 'min': 0},
                {'rule': 'range', 'column': 'discount_rate', 'min': 0, 'max': 0.10},
                {'rule': 'range', 'column': 'tax_rate', 'min': 0, 'max': 0.08},
                {'rule': 'values', 'column': 'return_flag', 'values': ['R', 'A', 'N']},
                {'rule': 'values', 'column': 'line_status', 'values': ['O', 'F']},
                {'rule': 'values', 'column': 'ship_mode', 'values': ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB']},
                {'rule': 'values', 'column': 'ship_instructions', 'values': ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN']},
                {'rule': 'orphan', 'column': 'order_id', 'parent': 'stg_tpch__orders', 'parent_column': 'order_id'},
                {'rule': 'after', 'column': 'ship_date', 'parent': 'stg_tpch__orders', 'parent_key': 'order_id', 'parent_column': 'order_date'},
                {'rule': 'after', 'column': 'receipt_date', 'than': 'ship_date'},
                {'rule': 'text', 'column': 'lineitem_comment'},
            ],
        },
    }) }}
{% endmacro %}


{#- The rule's name as it appears in quarantine_events.rule_name, e.g. 'range', 'values', 'orphan'. -#}
{% macro quarantine_rule_name(rule) %}
    {%- set names = {
        'not_null': 'missing_value', 'values': 'unknown_code', 'range': 'out_of_range', 'orphan': 'orphan',
        'after': 'dates_out_of_order', 'text': 'bad_text',
    } -%}
{{- return(names[rule.rule]) -}}
{% endmacro %}


{#- The row's key as JSON text, e.g. {"l_orderkey": 1, "l_linenumber": 2}: the source's column names, the same
    text ingest/held_rows.py writes (json_object_text, macros/portable/json.sql), so an event names the row as the
    source does, on every engine. -#}
{% macro quarantine_row_key(alias, key, source_key) %}
{%- set pairs = [] -%}
{%- for column in key -%}
{%- do pairs.append([source_key[loop.index0], alias ~ '.' ~ column]) -%}
{%- endfor %}
{{ json_object_text(pairs) }}
{% endmacro %}


{#- The key columns of a row_key (JSON text of the source's key, quarantine_row_key) typed as staging's: every
    key column is an integer. E.g. `(row_key::jsonb ->> 'l_orderkey')::bigint as order_id, ...`. -#}
{% macro quarantine_typed_key(json_text, key, source_key) %}
{%- set columns = [] -%}
{%- for column in key -%}
{%- do columns.append(json_integer_field(json_text, source_key[loop.index0]) ~ ' as ' ~ column) -%}
{%- endfor %}
{{ columns | join(', ') }}
{% endmacro %}


{#-
    The rows of `table`'s staging reader that break at least one rule, in one read of the table: the key columns
    and, for rule N (its place in spec.rules, from 1), breaks_N (whether the row breaks it), rule_name_N and
    offending_value_N (the value as text). A rule on a parent row (orphan; after with a parent) reads it through
    one left join per parent lookup, shared by the rules that make the same one (lineitem's orphan and
    dates_out_of_order rules both find the line's order). One select per rule over the table took a read of
    the table per rule: twelve of lineitem's 6 M rows at SF 1. `rows`, when given, is the relation of the rows
    to check instead of the whole staging reader (quarantine_rows_to_check: an incremental build's units).
-#}
{% macro quarantine_rows_breaking_rules(table, spec, rows=none) %}
{%- set parents = quarantine_parent_lookups(spec) -%}
{%- set rule_lookups = parents.by_rule -%}
{%- set row_conditions = quarantine_row_rule_conditions(spec.rules, 'checked') -%}
{%- set conditions = [] -%}
{%- for rule in spec.rules -%}
{%- set column = 'checked.' ~ rule.column -%}
{%- set parent = rule_lookups[loop.index0] -%}
{%- if rule.rule == 'orphan' -%}
{#- The parent's key column is never NULL (staging's primary key): NULL means the left join found no row. -#}
{%- do conditions.append(column ~ ' is not null and ' ~ parent ~ '.' ~ rule.parent_column ~ ' is null') -%}
{%- elif rule.rule == 'after' and rule.parent is defined -%}
{%- do conditions.append(column ~ ' < ' ~ parent ~ '.' ~ rule.parent_column) -%}
{%- else -%}
{%- do conditions.append(row_conditions[loop.index0]) -%}
{%- endif -%}
{%- endfor -%}
{%- set rule_names, offending_values = [], [] -%}
{%- for rule in spec.rules -%}
{%- set column = 'checked.' ~ rule.column -%}
{%- if rule.rule in ('values', 'range') -%}
{%- do rule_names.append("case when " ~ column ~ " is null then 'missing_value' else '"
    ~ quarantine_rule_name(rule) ~ "' end") -%}
{%- else -%}
{%- do rule_names.append("'" ~ quarantine_rule_name(rule) ~ "'") -%}
{%- endif -%}
{%- do offending_values.append(('left(' ~ column ~ '::text, 100)') if rule.rule == 'text' else (column ~ '::text')) -%}
{%- endfor %}
        select
{%- for column in spec.key %}
            checked.{{ column }},
{%- endfor %}
{%- for rule in spec.rules %}
            coalesce({{ conditions[loop.index0] }}, false) as breaks_{{ loop.index }},
            {{ rule_names[loop.index0] }} as rule_name_{{ loop.index }},
            {{ offending_values[loop.index0] }} as offending_value_{{ loop.index }}{{ ',' if not loop.last }}
{%- endfor %}
        from {{ ref(spec.model) if rows is none else rows }} as checked
{%- for lookup in parents.lookups %}
        left join {{ ref(lookup.model) }} as {{ lookup.alias }}
            on checked.{{ lookup.column }} = {{ lookup.alias }}.{{ lookup.parent_column }}
{%- endfor %}
        where
            (
                ({{ conditions | join(')\n                or (') }})
            )
{% endmacro %}


{#-
    For each of `rules`, the condition a row breaks it under when the rule reads the row alone (not_null, values,
    range, after with `than`, text), its columns read through `alias`; none for a rule on a parent row (orphan,
    after with a parent). The one definition quarantine_rows_breaking_rules and repair_snapshot share.
-#}
{% macro quarantine_row_rule_conditions(rules, alias) %}
{%- set conditions = [] -%}
{%- for rule in rules -%}
{%- set column = alias ~ '.' ~ rule.column -%}
{%- if rule.rule == 'not_null' -%}
{%- do conditions.append(column ~ ' is null') -%}
{%- elif rule.rule == 'values' -%}
{%- do conditions.append(column ~ " is null or " ~ column ~ " not in ('" ~ rule['values'] | join("', '") ~ "')") -%}
{%- elif rule.rule == 'range' -%}
{%- set bounds = [column ~ ' is null'] -%}
{%- if rule.min is defined %}{% do bounds.append(column ~ ' < ' ~ rule.min) %}{% endif -%}
{%- if rule.max is defined %}{% do bounds.append(column ~ ' > ' ~ rule.max) %}{% endif -%}
{%- do conditions.append(bounds | join(' or ')) -%}
{%- elif rule.rule == 'after' and rule.parent is not defined -%}
{%- do conditions.append(column ~ ' < ' ~ alias ~ '.' ~ rule.than) -%}
{%- elif rule.rule == 'text' -%}
{%- do conditions.append('length(' ~ column ~ ') > ' ~ var('quarantine_max_text_length') ~ ' or '
    ~ has_control_characters(column)) -%}
{%- else -%}
{%- do conditions.append(none) -%}
{%- endif -%}
{%- endfor -%}
{{ return(conditions) }}
{% endmacro %}


{#-
    The parent rows the rules of one table (`spec`, its entry in quarantine_rules()) look up: one per distinct
    (parent model, the table's column, the parent's column), shared by the rules that make the same lookup
    (lineitem's orphan and dates_out_of_order rules both find the line's order by order_id). Returns
    {'lookups': [{'alias', 'model', 'column', 'parent_column'}, ...], 'by_rule': the alias each rule reads, or
    none, in the order of spec.rules}.
-#}
{% macro quarantine_parent_lookups(spec) %}
{%- set lookups = {} -%}
{%- set by_rule = [] -%}
{%- for rule in spec.rules -%}
{%- if rule.rule == 'orphan' -%}
{%- set lookup = [rule.parent, rule.column, rule.parent_column] -%}
{%- elif rule.rule == 'after' and rule.parent is defined -%}
{%- set lookup = [rule.parent, rule.parent_key, rule.parent_key] -%}
{%- else -%}
{%- set lookup = none -%}
{%- endif -%}
{%- if lookup is none -%}
{%- do by_rule.append(none) -%}
{%- else -%}
{%- set name = lookup | join('|') -%}
{%- if name not in lookups -%}
{%- do lookups.update({name: {'alias': 'parent_' ~ (lookups | length + 1), 'model': lookup[0],
    'column': lookup[1], 'parent_column': lookup[2]}}) -%}
{%- endif -%}
{%- do by_rule.append(lookups[name].alias) -%}
{%- endif -%}
{%- endfor -%}
{{ return({'lookups': lookups.values() | list, 'by_rule': by_rule}) }}
{% endmacro %}


{#-
    The units of `table` whose rules an incremental run of quarantine_violations checks again: values of the
    table's first key column (order_id for lineitem: every line of an order; part_id for partsupp), as a query of
    one column, `unit_key`. A row's rules can only give another answer when
    (a) it was loaded after `checked_through` (the load watermark of the last run that checked every unit it
        had to: macros/quarantine/quarantine_checks.sql), a new row or a new version;
    (b) it is listed now (quarantine_violations, detected_by 'dbt'): it may have been corrected, deleted or
        have found its parent;
    (c) a parent row it looks up is a tombstone: deleted in the source, whenever (a tombstone keeps the load
        time of its row's last version, so no window can tell a new one; the cost follows the number of
        tombstones); or, for a rule that reads the parent's values (dates_out_of_order: a line's order date),
        the parent was loaded after checked_through. An orphan rule only asks whether the parent exists: a
        parent that arrives finds its orphans among the rows listed now (b), and an update changes nothing.
    quarantine_violations reads the units' rows first, in a CTE of their own (evaluated once: cte_evaluated_once),
    then checks them: with the units joined where the rules are checked, PostgreSQL joined all of lineitem to
    its orders before it kept the units' lines (11 s); with a key array (in_keys) it searched the array row by
    row where staging's key is a cast that raw's primary key index cannot serve (partsupp, 21 k parts: 52 s).
    Every other row was checked by that run against the same values: its answer stands, which is why the
    model keeps only what these units give (rows outside them broke no rule then and break none now).
    (a) and (c) read staging's loaded_at, which the raw tables index (ingest/pipeline.py ensure_raw_indexes).
-#}
{% macro quarantine_recheck_units(table, spec, checked_through) %}
{%- set unit = spec.key[0] -%}
{%- set rules = quarantine_rules() %}
        select changed.{{ unit }} as unit_key
        from {{ ref(spec.model) }} as changed
        where changed.loaded_at > {{ checked_through }}
        union
        select {{ json_integer_field('listed.row_key', spec.source_key[0]) }} as unit_key
        from {{ this }} as listed
        where listed.table_name = '{{ table }}' and listed.detected_by = 'dbt'
{%- set parents = quarantine_parent_lookups(spec) -%}
{%- for lookup in parents.lookups %}
{%- set read_by_after = [] -%}
{%- for rule in spec.rules -%}
{%- if rule.rule == 'after' and parents.by_rule[loop.index0] == lookup.alias -%}
{%- do read_by_after.append(rule) -%}
{%- endif -%}
{%- endfor -%}
{%- for name, parent_spec in rules.items() if parent_spec.model == lookup.model %}
{%- set parent_table = name %}
{%- set parent_source_column = parent_spec.source_key[parent_spec.key.index(lookup.parent_column)] %}
{%- set changed_parents -%}
{%- if read_by_after %}
            select parent.{{ lookup.parent_column }} as parent_key
            from {{ ref(lookup.model) }} as parent
            where parent.loaded_at > {{ checked_through }}
            union
{%- endif %}
            select tombstone.{{ parent_source_column }} as parent_key
            from {{ source('tpch', parent_table) }} as tombstone
            where {{ raw_rows(tombstones=true) }}
{%- endset %}
        union
{%- if lookup.column == unit %}
        select changed_parent.parent_key as unit_key
        from (
{{ changed_parents }}
        ) as changed_parent
{%- else %}
        select child.{{ unit }} as unit_key
        from {{ ref(spec.model) }} as child
        where child.{{ lookup.column }} in (
{{ changed_parents }}
        )
{%- endif %}
{%- endfor %}
{%- endfor %}
{% endmacro %}


{#- The rows of the table's staging reader whose first key column is one of the units of `recheck` (a CTE of
    quarantine_recheck_units): by raw's primary key index where staging keeps its type (`indexed_key`: in_keys),
    else by a semi-join that hashes the few units. -#}
{% macro quarantine_rows_to_check(spec, recheck) %}
{%- set units = 'select recheck.unit_key from ' ~ recheck ~ ' as recheck' %}
        select staged.*
        from {{ ref(spec.model) }} as staged
{%- if spec.indexed_key %}
        where {{ in_keys('staged.' ~ spec.key[0], units) }}
{%- else %}
        where staged.{{ spec.key[0] }} in ({{ units }})
{%- endif %}
{% endmacro %}


{#- One select per rule of `table` over `breaking` (quarantine_rows_breaking_rules' rows, usually a CTE): the rows
    that break it, as (table_name, row_key, rule_name, column_name, offending_value). -#}
{% macro quarantine_violations_of(table, spec, breaking) %}
{%- for rule in spec.rules %}
        select
            '{{ table }}' as table_name,
            {{ quarantine_row_key('breaking', spec.key, spec.source_key) }} as row_key,
            breaking.rule_name_{{ loop.index }} as rule_name,
            '{{ rule.column }}' as column_name,
            breaking.offending_value_{{ loop.index }} as offending_value
        from {{ breaking }} as breaking
        where breaking.breaks_{{ loop.index }}
{{ 'union all' if not loop.last }}
{%- endfor %}
{% endmacro %}


{#- The rows of `table`'s staging reader that break no rule: what the star may read. One select, no CTE:
    PostgreSQL pulls a view without WITH into the query that reads it, so a join on the key into the screened
    rows can probe raw's indexes (a view with WITH stays a subquery the planner reads whole). The violations'
    keys are compared typed like staging's (every key is an integer): matching each staged row's key as JSON
    text built it for every row (half the time of a full read of the screened lineitem). -#}
{% macro quarantine_screened(table) %}
{%- set spec = quarantine_rules()[table] -%}
{%- set same_key = [] -%}
{%- for column in spec.key -%}
{%- set violation_key = json_integer_field('violation.row_key', spec.source_key[loop.index0]) -%}
{%- do same_key.append(violation_key ~ ' = staged.' ~ column) -%}
{%- endfor %}
select staged.*
from {{ ref(spec.model) }} as staged
where not exists (
    select 1
    from {{ ref('quarantine_violations') }} as violation
    where
        violation.table_name = '{{ table }}'
        and violation.detected_by = 'dbt'
        and {{ same_key | join('\n        and ') }}
)
{% endmacro %}
