"""`python -m rbac_api.cli`, the same as `rbac-api`."""

from rbac_api.cli import main

if __name__ == "__main__":  # not when a worker process re-imports the main module (users import)
    main()
