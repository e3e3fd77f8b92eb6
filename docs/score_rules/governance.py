"""Governance rules dbt-score checks on every `dbt parse`: owners through groups, personal data marked.

The project gives owners to groups (models/_groups.yml: name and email, which dbt requires of a group) and
assigns each folder to a group (dbt_project.yml), so these rules replace dbt-score's own ``has_owner`` and
``seed_has_owner``, which look for ``meta.owner``.
"""
# No `from __future__ import annotations`: dbt-score reads each rule's parameter annotation at run time.

from dbt_score import Model, RuleViolation, Seed, Snapshot, rule

PERSONAL_COLUMNS = frozenset({"customer_name", "customer_address", "c_name", "c_address", "c_phone"})
"""Column names that hold a customer's personal data wherever they appear."""
FREE_TEXT_SUFFIX = "comment"
"""Free-text comment columns (``*_comment``, ``c_comment``...) may hold anything a clerk typed: personal data."""
CUSTOMER_PHONE = "phone_number"
"""In a customer model (its name contains 'customer'), the phone number is personal data too."""


@rule
def model_belongs_to_a_group(model: Model) -> RuleViolation | None:
    """A model belongs to a group, whose owner (name and email) answers for it."""
    if not model.group:
        return RuleViolation(message="Model has no group: assign its folder a +group in dbt_project.yml.")
    return None


@rule
def seed_belongs_to_a_group(seed: Seed) -> RuleViolation | None:
    """A seed belongs to a group, whose owner answers for it."""
    if not seed.config.get("group"):
        return RuleViolation(message="Seed has no group: give the seeds a +group in dbt_project.yml.")
    return None


@rule
def snapshot_belongs_to_a_group(snapshot: Snapshot) -> RuleViolation | None:
    """A snapshot belongs to a group, whose owner answers for it."""
    if not snapshot.config.get("group"):
        return RuleViolation(message="Snapshot has no group: give the snapshots a +group in dbt_project.yml.")
    return None


@rule
def personal_data_is_marked(model: Model) -> RuleViolation | None:
    """A column holding a customer's name, address or phone, or free text (a comment), is marked pii."""
    personal = set(PERSONAL_COLUMNS)
    if "customer" in model.name:
        personal.add(CUSTOMER_PHONE)
    unmarked = [
        column.name
        for column in model.columns
        if (column.name in personal or column.name.endswith(FREE_TEXT_SUFFIX)) and not column.meta.get("pii")
    ]
    if unmarked:
        return RuleViolation(message=f"Personal-data columns without meta pii: {', '.join(unmarked)}.")
    return None
