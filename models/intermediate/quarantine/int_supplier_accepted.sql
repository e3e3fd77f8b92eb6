{#- The last accepted version of every live supplier row (macros/quarantine/quarantine_accepted.sql). -#}
{{ quarantine_accepted('supplier') }}
