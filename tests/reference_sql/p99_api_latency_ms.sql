-- Continuous 99th percentile of latency_ms per day.
WITH v AS (SELECT occurred_at::DATE AS period, quantile_cont(latency_ms, 0.99) AS q
           FROM http_requests GROUP BY 1)
SELECT p.period, v.q::DOUBLE AS value
FROM periods((SELECT min(occurred_at) FROM http_requests), (SELECT max(occurred_at) FROM http_requests), 'day') p
LEFT JOIN v USING (period) ORDER BY 1
