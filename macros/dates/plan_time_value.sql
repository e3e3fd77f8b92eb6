{#-
    The value of a scalar SQL expression read before the model's statement runs, as a typed literal, so the
    database plans the statement with a constant instead of a subquery whose value it cannot see (see
    macros/_macros.yml). The expression itself where no query can or should run: while dbt parses, in unit tests
    (whose inputs are fixtures, CTEs the query could not reach), and before every relation it reads exists (a
    `dbt compile` or a lint on an empty warehouse).
-#}
{% macro plan_time_value(expression, data_type, reads) -%}
    {%- set unchanged = '(' ~ expression ~ ')' -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(unchanged) }}
    {%- endif -%}
    {%- for relation in reads -%}
        {%- if load_relation(relation) is none -%}
            {{ return(unchanged) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set result = run_query('select cast((' ~ expression ~ ') as ' ~ data_type ~ ') as plan_time_value') -%}
    {%- set value = result.columns[0].values()[0] -%}
    {%- if value is none -%}
        {{ return('cast(null as ' ~ data_type ~ ')') }}
    {%- endif -%}
    {{ return("cast('" ~ (value | string | replace("'", "''")) ~ "' as " ~ data_type ~ ")") }}
{%- endmacro %}
