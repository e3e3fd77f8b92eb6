{#-
    (schema, name) of every view that reads the relation, directly or through other views, so that dropping
    them all lets PostgreSQL change the relation's column types. Used by the migration above.
-#}
{% macro dependent_views(relation) -%}
    {%- set found = run_query(
        "with recursive readers as ("
        ~ " select distinct rw.ev_class as oid from pg_depend as dep"
        ~ " inner join pg_rewrite as rw on rw.oid = dep.objid"
        ~ " where dep.refobjid = '" ~ relation ~ "'::regclass and rw.ev_class <> dep.refobjid"
        ~ " union"
        ~ " select rw.ev_class from readers"
        ~ " inner join pg_depend as dep on dep.refobjid = readers.oid"
        ~ " inner join pg_rewrite as rw on rw.oid = dep.objid"
        ~ " where rw.ev_class <> readers.oid"
        ~ ")"
        ~ " select nsp.nspname, cls.relname from readers"
        ~ " inner join pg_class as cls on cls.oid = readers.oid"
        ~ " inner join pg_namespace as nsp on nsp.oid = cls.relnamespace"
        ~ " order by 1, 2"
    ) -%}
    {{ return(found.rows | map('list') | list) }}
{%- endmacro %}

{#-
    The views to drop before the legacy columns `retyped` of a snapshot change type: every view reading it
    (dependent_views) when all of them live in the project's own schemas, which the build recreates. A view in
    any other schema belongs to someone else: the run stops, naming it and the fix, before anything changes.
-#}
{% macro views_to_drop_before_retyping(relation, retyped, project_schemas) -%}
    {%- set views = [] -%}
    {%- if retyped -%}
        {%- for schema_name, view_name in dependent_views(relation) -%}
            {%- set view = schema_name ~ "." ~ view_name -%}
            {%- if schema_name not in project_schemas -%}
                {{ exceptions.raise_compiler_error(
                    "The view " ~ view ~ " reads " ~ relation.schema ~ "." ~ relation.identifier
                    ~ ", whose legacy columns " ~ retyped | join(", ") ~ " must change type, and PostgreSQL"
                    ~ " cannot change a column a view reads. Nothing was changed. Save its definition (select"
                    ~ " pg_get_viewdef('" ~ view ~ "')), drop it, run dbt again, then recreate it with the new"
                    ~ " column names."
                ) }}
            {%- endif -%}
            {%- do views.append(view) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(views) }}
{%- endmacro %}

{#-
    Drop each view ('schema.name') through the adapter, so dbt's relation cache forgets it too and the build
    creates it afresh instead of renaming a view that is gone. Called once every check of the migration passed.
-#}
{% macro drop_project_views(views) -%}
    {%- for view in views -%}
        {%- set schema_name, view_name = view.split('.') -%}
        {%- set relation = api.Relation.create(
            database=target.database, schema=schema_name, identifier=view_name, type='view'
        ) -%}
        {%- do adapter.drop_relation(relation) -%}
    {%- endfor -%}
{%- endmacro %}
