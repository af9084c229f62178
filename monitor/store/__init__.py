"""The results store (SQLite): the one place that holds SQL."""
