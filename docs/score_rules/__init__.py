"""The project's own dbt-score rules (pyproject.toml's [tool.dbt-score] loads this namespace)."""
