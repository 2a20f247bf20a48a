"""``lineagekg serve``: the gateway on uvicorn (being written)."""
