-- Password logins (OAuth2 password grant) flat out.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=password&username=" .. os.getenv("BENCH_USER") .. "&password=" .. os.getenv("BENCH_PASSWORD")
