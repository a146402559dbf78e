"""Use cases shared by REST, GraphQL and the CLI (authentication, accounts, login, sessions...). They import
the core and the store, never a transport."""
