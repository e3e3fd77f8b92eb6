{#-
    on-run-start: a fct_orders built before it carried the customer's durable id has no customer_id column, and
    on_schema_change 'append_new_columns' would add it empty on the rows already built (only the orders a run
    re-computes would get it), so TPC-H Q22's "no order" would miss them. This adds the column in place and
    fills it from dim_customer through the row's customer_key (every version of a customer has its id), and the
    index the model's config declares (dbt creates an incremental model's indexes only with its table), so no
    --full-refresh is needed. Rows still on the unknown customer (-1) stay NULL here: the same build re-computes
    them (orders_to_reprocess, rule d) and the merge writes their id. Nothing happens once the column exists or
    while the fact does not exist. PostgreSQL only (adapter.dispatch); other engines do nothing.
-#}
{% macro add_fct_orders_customer_id() %}
    {{ return(adapter.dispatch('add_fct_orders_customer_id')()) }}
{% endmacro %}

{% macro default__add_fct_orders_customer_id() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__add_fct_orders_customer_id() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set marts = generate_schema_name('marts', none) -%}
    {%- set fact = adapter.get_relation(database=target.database, schema=marts, identifier='fct_orders') -%}
    {%- set customers = adapter.get_relation(database=target.database, schema=marts, identifier='dim_customer') -%}
    {%- if fact is none or customers is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(fact) | map(attribute='name') | list -%}
    {%- if 'customer_id' in columns -%}
        {{ return('') }}
    {%- endif -%}
    {%- do run_query(
        'alter table ' ~ fact ~ ' add column customer_id integer; '
        ~ 'update ' ~ fact ~ ' as fact set customer_id = customer.customer_id from ' ~ customers
        ~ ' as customer where customer.customer_key = fact.customer_key; '
        ~ 'create index if not exists fct_orders_customer_id on ' ~ fact ~ ' (customer_id); '
        ~ 'analyze ' ~ fact
    ) -%}
    {%- do adapter.commit() -%}
    {{ log("added column customer_id to " ~ fact ~ " (the customer's durable id, indexed)", info=True) }}
    {{ return('') }}
{% endmacro %}
