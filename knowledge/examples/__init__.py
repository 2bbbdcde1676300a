"""Data only: YAML files shipped inside the mbt_advisor package."""
