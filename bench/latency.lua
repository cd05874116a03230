-- wrk report hook for bench/http_bench.py.
--
-- Prints one line, "CHORUS_RESULT {json}", after the run. No request() or
-- response() callback is defined, so wrk keeps its fast C path and the
-- script costs nothing while the load runs. Latencies are in microseconds.
-- `non_2xx_3xx` is wrk's own count of responses outside 200-399; the Python
-- side checks the bytes per response to catch a 302 to the login page.

done = function(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'CHORUS_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, ' ..
      '"max_us": %d, "mean_us": %.1f, ' ..
      '"connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
      '"timeouts": %d, "non_2xx_3xx": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90),
      latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean,
      errors.connect, errors.read, errors.write, errors.timeout, errors.status))
end
