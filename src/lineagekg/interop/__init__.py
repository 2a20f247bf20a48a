"""Reading and writing other systems' lineage formats (the paper's JSONL, PROV, DPI, ...)."""
