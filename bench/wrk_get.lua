-- wrk script for bench/extranet_load.py: plain GET, machine-readable summary (the summary is
-- reused by wrk_recovery.lua, which loads this file).
done = function(summary, latency, requests)
   io.write(string.format("p99_us=%d\n", latency:percentile(99)))
   io.write(string.format("p50_us=%d\n", latency:percentile(50)))
   io.write(string.format("requests=%d\n", summary.requests))
   io.write(string.format("duration_us=%d\n", summary.duration))
   io.write(string.format("non2xx=%d\n", summary.errors.status))
end
