-- Continuous 95th percentile of load_ms per day.
WITH v AS (SELECT occurred_at::DATE AS period, quantile_cont(load_ms, 0.95) AS q
           FROM page_loads GROUP BY 1)
SELECT p.period, v.q::DOUBLE AS value
FROM periods((SELECT min(occurred_at) FROM page_loads), (SELECT max(occurred_at) FROM page_loads), 'day') p
LEFT JOIN v USING (period) ORDER BY 1
