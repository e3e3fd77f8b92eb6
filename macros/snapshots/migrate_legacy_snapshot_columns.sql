{#-
    A one-way, idempotent migration run by on-run-start before anything else: snapshot tables built before the
    staging models became the snapshots' input carry the source's column names and raw's types (c_custkey
    bigint, c_name character varying...). A snapshot is never rebuilt, so each such table is changed in place:
    every legacy column is renamed to staging's name and given staging's type (customer_id integer,
    account_balance numeric(15, 2)...), its rows and their versions untouched. Without it dbt would add the new
    columns beside the old ones and open a second current version of every key.
    A table that already has the new names (or does not exist yet) is left alone, so every later run does
    nothing. Before any change, a value that staging's type cannot hold exactly (an integer out of range,
    more than two decimals) stops the run with a message naming the table, column and count. Snapshots with the
    legacy names exist only on PostgreSQL, where the project first ran: other adapters have nothing to migrate.
-#}
{% macro migrate_legacy_snapshot_columns() -%}
    {{ return(adapter.dispatch('migrate_legacy_snapshot_columns')()) }}
{%- endmacro %}

{% macro default__migrate_legacy_snapshot_columns() -%}
    select 1 as nothing_to_migrate
{%- endmacro %}

{% macro postgres__migrate_legacy_snapshot_columns() -%}
    {#- snapshot -> legacy column -> [staging's name, staging's type] -#}
    {%- set legacy_columns = {
        'snp_tpch__customer': {
            'c_custkey': ['customer_id', 'integer'],
            'c_nationkey': ['nation_id', 'integer'],
            'c_name': ['customer_name', 'text'],
            'c_address': ['customer_address', 'text'],
            'c_phone': ['phone_number', 'text'],
            'c_mktsegment': ['market_segment', 'text'],
            'c_comment': ['customer_comment', 'text'],
            'c_acctbal': ['account_balance', 'numeric(15,2)'],
        },
        'snp_tpch__supplier': {
            's_suppkey': ['supplier_id', 'integer'],
            's_nationkey': ['nation_id', 'integer'],
            's_name': ['supplier_name', 'text'],
            's_address': ['supplier_address', 'text'],
            's_phone': ['phone_number', 'text'],
            's_comment': ['supplier_comment', 'text'],
            's_acctbal': ['account_balance', 'numeric(15,2)'],
        },
        'snp_tpch__part': {
            'p_partkey': ['part_id', 'integer'],
            'p_name': ['part_name', 'text'],
            'p_mfgr': ['manufacturer', 'text'],
            'p_brand': ['brand', 'text'],
            'p_type': ['part_type', 'text'],
            'p_size': ['part_size', 'integer'],
            'p_container': ['container', 'text'],
            'p_comment': ['part_comment', 'text'],
            'p_retailprice': ['retail_price', 'numeric(15,2)'],
        },
        'snp_tpch__partsupp': {
            'ps_partkey': ['part_id', 'integer'],
            'ps_suppkey': ['supplier_id', 'integer'],
            'ps_comment': ['partsupp_comment', 'text'],
            'ps_availqty': ['available_quantity', 'integer'],
            'ps_supplycost': ['supply_cost', 'numeric(15,2)'],
        },
    } -%}
    {#- a value the new type would change or refuse, as a condition on the column -#}
    {%- set lossy = {
        'integer': '{c} not between -2147483648 and 2147483647',
        'numeric(15,2)': '{c} <> round({c}, 2) or abs({c}) >= 10000000000000',
        'text': 'false',
    } -%}
    {%- set statements = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'snapshot' and node.name in legacy_columns -%}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
            {%- if relation is not none -%}
                {%- set table_name = relation.schema ~ "." ~ relation.identifier -%}
                {%- set types = {} -%}
                {%- for column in adapter.get_columns_in_relation(relation) -%}
                    {%- do types.update({column.name: column.data_type | replace(' ', '')}) -%}
                {%- endfor -%}
                {%- for old, new in legacy_columns[node.name].items() if old in types -%}
                    {%- if new[0] in types -%}
                        {{ exceptions.raise_compiler_error(
                            table_name ~ " has both the legacy column " ~ old ~ " and its new name " ~ new[0]
                            ~ ": the migration cannot tell which holds the history. Compare the two, drop the one"
                            ~ " that is wrong, and run dbt again."
                        ) }}
                    {%- endif -%}
                    {%- if types[old] != new[1] -%}
                        {%- set check = "select count(*) from " ~ relation ~ " where "
                            ~ lossy[new[1]].format(c=old) -%}
                        {%- set lost = run_query(check).columns[0].values()[0] -%}
                        {%- if lost > 0 -%}
                            {{ exceptions.raise_compiler_error(
                                table_name ~ "." ~ old ~ ": " ~ lost ~ " row(s) hold a value that " ~ new[1]
                                ~ " cannot hold exactly, so renaming it to " ~ new[0] ~ " would change history."
                                ~ " Nothing was changed. Correct those rows or widen " ~ new[0]
                                ~ " in its staging model, then run dbt again."
                            ) }}
                        {%- endif -%}
                    {%- endif -%}
                    {%- do statements.append(
                        "alter table " ~ relation ~ " rename column " ~ old ~ " to " ~ new[0]
                    ) -%}
                    {%- if types[old] != new[1] -%}
                        {%- do statements.append(
                            "alter table " ~ relation ~ " alter column " ~ new[0] ~ " type " ~ new[1]
                            ~ " using " ~ new[0] ~ "::" ~ new[1]
                        ) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if statements -%}
        {{ log("Migrating legacy snapshot columns: " ~ statements | length ~ " statement(s)", info=true) }}
        {{ statements | join(";\n") }}
    {%- else -%}
        select 1 as nothing_to_migrate
    {%- endif -%}
{%- endmacro %}
