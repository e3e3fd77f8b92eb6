{#-
    The column lists postgres__snapshot_staging_table writes: the staging keys (dbt_unique_key_1... or
    dbt_unique_key), the source's columns, the current version's columns kept beside them (snapshotted__<name>),
    and a deletion record's columns (the current version's values of the source's columns, NULL for a column the
    snapshot does not have yet, as dbt's own query gives). Also the key expressions of the changed keys' join:
    each staging key from either side (coalesced_keys), and its match with changed_keys on each side.
-#}
{% macro snapshot_staging_column_lists(strategy, source_sql, target_relation) %}
{%- set keys = [] -%}
{%- if strategy.unique_key | is_list -%}
{%- for key in strategy.unique_key -%}{%- do keys.append('dbt_unique_key_' ~ loop.index) -%}{%- endfor -%}
{%- else -%}
{%- do keys.append('dbt_unique_key') -%}
{%- endif -%}
{%- set snapshotted_cols = get_list_of_column_names(get_columns_in_relation(target_relation)) -%}
{%- set source, kept_snapshot, deletion_record = [], [], [] -%}
{%- for column in get_columns_in_query(source_sql) -%}
{%- do source.append(adapter.quote(column)) -%}
{%- if column in snapshotted_cols -%}
{%- do kept_snapshot.append(
    'snapshotted_data.' ~ adapter.quote(column) ~ ' as ' ~ adapter.quote('snapshotted__' ~ column)
) -%}
{%- do deletion_record.append(adapter.quote('snapshotted__' ~ column)) -%}
{%- else -%}
{%- do deletion_record.append(adapter.quote(column)) -%}
{%- endif -%}
{%- endfor -%}
{%- set coalesced_keys, source_key_match, snapshot_key_match = [], [], [] -%}
{%- for key in keys -%}
{%- do kept_snapshot.append('snapshotted_data.' ~ key ~ ' as snapshotted__' ~ key) -%}
{%- do deletion_record.append('snapshotted__' ~ key ~ ' as ' ~ key) -%}
{%- do coalesced_keys.append('coalesce(source_data.' ~ key ~ ', snapshotted_data.' ~ key ~ ') as ' ~ key) -%}
{%- do source_key_match.append('source_data.' ~ key ~ ' = changed_keys.' ~ key) -%}
{%- do snapshot_key_match.append('snapshotted_data.' ~ key ~ ' = changed_keys.' ~ key) -%}
{%- endfor -%}
{{ return({
    'key_columns': keys, 'source': source, 'kept_snapshot': kept_snapshot, 'deletion_record': deletion_record,
    'coalesced_keys': coalesced_keys, 'source_key_match': source_key_match, 'snapshot_key_match': snapshot_key_match,
}) }}
{% endmacro %}
