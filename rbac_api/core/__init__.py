"""The security core: tokens, principals, passwords, errors and audit lines. Imports no web framework and no
store, so every transport and use case can build on it."""
