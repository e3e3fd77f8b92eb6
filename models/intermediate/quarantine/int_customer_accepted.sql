{#- The last accepted version of every live customer row (macros/quarantine/quarantine_accepted.sql). -#}
{{ quarantine_accepted('customer') }}
