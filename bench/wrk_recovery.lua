-- wrk script for bench/extranet_load.py: POST /mot-de-passe-oublie with a CSRF token and the
-- session cookie fetched beforehand (passed in the environment by the Python script).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.body = "csrf_token=" .. os.getenv("BENCH_CSRF") .. "&identifiant=" .. os.getenv("BENCH_IDENTIFIANT")

-- The same machine-readable summary as the GET script: one definition, loaded from beside this file.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk_get.lua")
