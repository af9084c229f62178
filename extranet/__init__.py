"""extranet package."""
