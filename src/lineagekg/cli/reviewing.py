"""``lineagekg review``: claims waiting for a person (being written)."""
