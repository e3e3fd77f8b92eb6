{#-
    on-run-start: a fct_orders built before it carried the customer's durable id has no customer_id column, and
    on_schema_change 'append_new_columns' would add it empty on the rows already built (only the orders a run
    re-computes would get it), so TPC-H Q22's "no order" would miss them. add_column_in_place adds the column and
    fills it from dim_customer through the row's customer_key (every version of a customer has its id), with the
    index the model's config declares. Rows still on the unknown customer (-1) stay NULL here: the same build
    re-computes them (orders_to_reprocess, rule d) and the merge writes their id.
-#}
{% macro add_fct_orders_customer_id() %}
    {{ return(add_column_in_place(
        'fct_orders', 'customer_id', fct_orders_customer_id_statements, "the customer's durable id, indexed"
    )) }}
{% endmacro %}

{#- The statements that add and fill fct_orders.customer_id; none while dim_customer does not exist. -#}
{% macro fct_orders_customer_id_statements(fact) %}
    {%- set customers = adapter.get_relation(
        database=fact.database, schema=fact.schema, identifier='dim_customer'
    ) -%}
    {%- if customers is none -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(
        'alter table ' ~ fact ~ ' add column customer_id integer; '
        ~ 'update ' ~ fact ~ ' as fact set customer_id = customer.customer_id from ' ~ customers
        ~ ' as customer where customer.customer_key = fact.customer_key; '
        ~ 'create index if not exists fct_orders_customer_id on ' ~ fact ~ ' (customer_id); '
        ~ 'analyze ' ~ fact
    ) }}
{% endmacro %}
