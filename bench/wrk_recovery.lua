-- wrk script for bench/extranet_load.py: POST /mot-de-passe-oublie with a CSRF token and the
-- session cookie fetched beforehand (passed in the environment by the Python script).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.body = "csrf_token=" .. os.getenv("BENCH_CSRF") .. "&identifiant=" .. os.getenv("BENCH_IDENTIFIANT")

done = function(summary, latency, requests)

   io.write(string.format("p99_us=%d\n", latency:percentile(99)))
   io.write(string.format("p50_us=%d\n", latency:percentile(50)))
   io.write(string.format("requests=%d\n", summary.requests))
   io.write(string.format("duration_us=%d\n", summary.duration))
   io.write(string.format("non2xx=%d\n", summary.errors.status))
end
