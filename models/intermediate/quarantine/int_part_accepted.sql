{#- The last accepted version of every live part row (macros/quarantine/quarantine_accepted.sql). -#}
{{ quarantine_accepted('part') }}
