-- POST the JSON body in $BENCH_BODY (a GraphQL request).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_BODY")
