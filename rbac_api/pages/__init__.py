"""The HTML pages the service serves itself (`/docs`, GraphiQL) and the vendored files they load: nothing
comes from an outside host, so the pages work on a closed network."""
