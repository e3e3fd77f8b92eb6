{#-
    Grant the reporter role (var reporter_role) usage on the model's schema and select on the model just
    built, without its personal data: a model with a column marked meta: {pii: true} gets column privileges
    on its other columns only, any other model a plain select. Runs as a post-hook of every marts and ssb
    model (dbt_project.yml). Does nothing where the role does not exist (a server without the project's
    roles). Models built in parallel grant usage on the same schema: an advisory lock per schema, held to the
    end of the model's transaction, serialises those grants (concurrent ones fail "tuple concurrently
    updated"), and the grant is skipped once the role has the usage.
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
    {%- set statements = [] -%}
    {%- if personal -%}
        {%- do statements.extend([
            'revoke select on ' ~ this ~ ' from ' ~ role,
            'grant select (' ~ allowed | join(', ') ~ ') on ' ~ this ~ ' to ' ~ role
        ]) -%}
    {%- else -%}
        {%- do statements.append('grant select on ' ~ this ~ ' to ' ~ role) -%}
    {%- endif -%}
    {%- set executes = [] -%}
    {%- for statement in statements -%}
        {%- do executes.append("execute '" ~ statement | replace("'", "''") ~ "';") -%}
    {%- endfor %}
    do $grant$
    begin
        if exists (select from pg_roles where rolname = '{{ role }}') then
            perform pg_advisory_xact_lock(hashtext('grant usage on schema {{ this.schema }}'));
            if not has_schema_privilege('{{ role }}', '{{ this.schema }}', 'usage') then
                execute 'grant usage on schema {{ adapter.quote(this.schema) }} to {{ role }}';
            end if;
            {{ executes | join(' ') }}
        end if;
    end
    $grant$
{%- endmacro %}
