"""pages package."""
