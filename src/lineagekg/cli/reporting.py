"""``lineagekg tree``: a dataset's lineage as a tree (being written)."""
