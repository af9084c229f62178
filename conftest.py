"""Root conftest: load the suite's pytest plugins (target, services, engines, results)."""
pytest_plugins = ["fixtures.plugin", "fixtures.plugin.results_output"]
