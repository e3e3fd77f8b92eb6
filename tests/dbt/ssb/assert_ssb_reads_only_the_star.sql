-- The SSB relations are consumers of the star, like any analyst's query: every model of models/marts/ssb/ reads
-- only the star (models/marts/core/) and other SSB relations, never staging, intermediate models, snapshots or
-- sources. Returns one row per forbidden parent, naming the SSB relation and what it reads.
{%- set forbidden = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.fqn[1:3] == ['marts', 'ssb'] -%}
        {%- for parent in node.depends_on.nodes -%}
            {%- set parent_node = graph.nodes.get(parent) -%}
            {%- if parent_node is none or parent_node.fqn[1:3] not in [['marts', 'core'], ['marts', 'ssb']] -%}
                {%- do forbidden.append((node.name, parent)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}

with

ssb_parents as (

    select
        null::text as ssb_relation,
        null::text as reads
    {%- for relation, parent in forbidden %}
    union all
    select
        '{{ relation }}' as ssb_relation,
        '{{ parent }}' as reads
    {%- endfor %}

),

final as (

    select
        ssb_relation,
        reads
    from ssb_parents
    where ssb_relation is not null

)

select * from final
