{#- The last accepted version of every live partsupp row (macros/quarantine/quarantine_accepted.sql). -#}
{{ quarantine_accepted('partsupp') }}
