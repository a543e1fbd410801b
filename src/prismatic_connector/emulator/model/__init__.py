"""The emulator's model: one constructor per record type, and plain functions over the store.

Modules import each other in one direction only, lowest first::

    base <- org, customers, components, uploads, signing, onprem, scoped
         <- integrations <- workflows, instances <- upgrades, alerts
         <- authoring (integrations and their test instances) <- executions

The GraphQL resolvers call into these modules and never into each other, so a
field is added in its record's constructor and an operation in one resolver
(and, where new, one function here).
"""
