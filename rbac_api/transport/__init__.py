"""Between the HTTP server and both APIs: the body limit, refusals in each API's shape, log redaction."""
