{#- The live nation rows of staging that break no quarantine rule (macros/quarantine/quarantine_rules.sql). -#}
{{ quarantine_screened('nation') }}
