{#-
    Grant the reporter role (var reporter_role) select on the model just built, without its personal data:
    a model with a column marked meta: {pii: true} gets column privileges on its other columns only, any
    other model a plain select. Runs as a post-hook of every marts and ssb model (dbt_project.yml). Does
    nothing where the role does not exist (a server without the project's roles).
-#}
{% macro grant_select_to_reporter() -%}
    {%- set role = var('reporter_role') -%}
    {%- set allowed = [] -%}
    {%- set personal = [] -%}
    {%- for name, column in model.columns.items() -%}
        {%- if column.meta.get('pii') -%}
            {%- do personal.append(adapter.quote(name)) -%}
        {%- else -%}
            {%- do allowed.append(adapter.quote(name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if personal -%}
        {%- set statements = [
            'revoke select on ' ~ this ~ ' from ' ~ role,
            'grant select (' ~ allowed | join(', ') ~ ') on ' ~ this ~ ' to ' ~ role
        ] -%}
    {%- else -%}
        {%- set statements = ['grant select on ' ~ this ~ ' to ' ~ role] -%}
    {%- endif -%}
    {%- set executes = [] -%}
    {%- for statement in statements -%}
        {%- do executes.append("execute '" ~ statement | replace("'", "''") ~ "';") -%}
    {%- endfor %}
    do $grant$
    begin
        if exists (select from pg_roles where rolname = '{{ role }}') then
            {{ executes | join(' ') }}
        end if;
    end
    $grant$
{%- endmacro %}


{#-
    Grant the reporter role (var reporter_role) usage on the schemas it reads (marts and ssb), after a run;
    its select privileges come from grant_select_to_reporter. Does nothing where the role or a schema does
    not exist.
-#}
{% macro grant_reporting_schemas_to_reporter() -%}
    {%- set role = var('reporter_role') -%}
    {%- for schema_name in ['marts', 'ssb'] %}
    do $grant$
    begin
        if exists (select from pg_roles where rolname = '{{ role }}')
            and exists (select from pg_namespace where nspname = '{{ schema_name }}') then
            execute 'grant usage on schema {{ schema_name }} to {{ role }}';
        end if;
    end
    $grant$;
    {%- endfor %}
{%- endmacro %}
