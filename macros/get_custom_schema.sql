{#-
    Use a model's custom schema as-is (staging models land in `staging`, not `analytics_staging`);
    without a custom schema, use the target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
