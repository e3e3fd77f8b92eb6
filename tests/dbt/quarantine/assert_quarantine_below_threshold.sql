{#-
    The quarantine's alarm: one row per event present now (a source row the star keeps out). Warns with their
    count whenever there is one, so a green build says how many rows wait for a correction; fails when there are
    more than var quarantine_error_threshold, a sign of a broken source rather than a few bad rows.
-#}
{{ config(severity='error', warn_if='>0', error_if='>' ~ var('quarantine_error_threshold')) }}

select
    table_name,
    row_key,
    rule_name,
    column_name,
    offending_value
from {{ ref('quarantine_events') }}
where is_present
