"""REST transport: thin FastAPI adapters over the security core."""
