{#-
    A fact's post-hook: delete the fact's rows whose source row of `table` (lineitem or orders) the quarantine holds
    now (quarantine_violations, detected by dbt), matched on `key`, {fact column: the source key in row_key}. One
    join on the fact's key (an index probe per quarantined row on PostgreSQL): the earlier single statement with
    OR over both tables scanned all 6 M lines of fct_order_lines at SF 1 (1.7 s a build). The corrected row comes
    back on the build after the source's correction is loaded. The model needs
    `-- depends_on: {{ ref('quarantine_violations') }}`.
-#}
{% macro delete_quarantined_rows(fact, table, key) -%}
    {%- set same_row = [] -%}
    {%- for column, source_key in key.items() -%}
        {%- do same_row.append(
            'fact.' ~ column ~ ' = ' ~ json_integer_field('violation.row_key', source_key)
        ) -%}
    {%- endfor -%}
    delete from {{ fact }} as fact
    using {{ ref('quarantine_violations') }} as violation
    where
        violation.table_name = '{{ table }}'
        and violation.detected_by = 'dbt'
        and {{ same_row | join("\n        and ") }}
{%- endmacro %}
