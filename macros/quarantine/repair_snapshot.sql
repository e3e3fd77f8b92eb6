{#-
    The way back when a snapshot holds a wrong version (recorded before the quarantine existed, or before a rule
    was added): `dbt run-operation repair_snapshot --args '{table: customer}'` removes from snp_tpch__<table>
    every version whose values break one of the table's row rules now (macros/quarantine/quarantine_rules.sql:
    missing values, unknown codes, out-of-range measures, dates out of order within the row, bad text) and joins
    the remaining versions of each key again (each ends where the next starts, the last at var end_of_time).
    The rest of the history stays as it was. Then rebuild what reads the snapshot:
    `dbt build --select snp_tpch__<table>+ --full-refresh` (dimension keys of removed versions disappear, so the
    facts are re-keyed in full). The next snapshot run records the source's corrected row as a new version.
    Rules that look at other tables (orphans) are not applied: a version's parent may have existed then.
    dry_run=true only counts the versions it would remove.
-#}
{% macro repair_snapshot(table, dry_run=false) %}
    {%- set rules = quarantine_rules() -%}
    {%- if table not in rules or table not in ('customer', 'supplier', 'part', 'partsupp') -%}
        {{ exceptions.raise_compiler_error(
            "repair_snapshot: table must be one of customer, supplier, part, partsupp (got " ~ table ~ ")"
        ) }}
    {%- endif -%}
    {%- set spec = rules[table] -%}
    {%- set snapshot = ref('snp_tpch__' ~ table) -%}
    {%- set conditions = quarantine_row_rule_conditions(spec.rules, 'version') | reject('none') | list -%}
    {%- set bad = '(' ~ conditions | join(') or (') ~ ')' -%}
    {%- set key = spec.key | join(', ') -%}
    {%- set counted = run_query('select count(*) from ' ~ snapshot ~ ' as version where ' ~ bad) -%}
    {%- set found = counted.columns[0].values()[0] -%}
    {%- if dry_run or found == 0 -%}
        {{ log("repair_snapshot: " ~ found ~ " version(s) of " ~ snapshot ~ " break a rule"
               ~ ("; dry run, nothing changed" if dry_run else "; nothing to do"), info=True) }}
        {{ return(found) }}
    {%- endif -%}
    {%- set repair -%}
        delete from {{ snapshot }} as version where {{ bad }};
        update {{ snapshot }} as version
        set dbt_valid_to = relinked.valid_to
        from (
            select
                dbt_scd_id,
                coalesce(
                    lead(dbt_valid_from) over (partition by {{ key }} order by dbt_valid_from),
                    {{ end_of_time() }}
                ) as valid_to
            from {{ snapshot }}
        ) as relinked
        where version.dbt_scd_id = relinked.dbt_scd_id and version.dbt_valid_to <> relinked.valid_to;
    {%- endset -%}
    {%- do run_query(repair) -%}
    {%- do run_query('commit') -%}
    {{ log("repair_snapshot: removed " ~ found ~ " version(s) of " ~ snapshot ~ " that break a rule and joined the "
           ~ "remaining versions again; now run: dbt build --select snp_tpch__" ~ table ~ "+ --full-refresh",
           info=True) }}
    {{ return(found) }}
{% endmacro %}
