-- Requests with status >= 500 / all requests, per day.
WITH v AS (SELECT occurred_at::DATE AS period, count(*) FILTER (WHERE status >= 500) AS num,
                  count(*) AS den FROM http_requests GROUP BY 1)
SELECT p.period, coalesce(num, 0) / nullif(coalesce(den, 0), 0)::DOUBLE AS value,
       coalesce(num, 0)::DOUBLE AS numerator, coalesce(den, 0)::DOUBLE AS denominator
FROM periods((SELECT min(occurred_at) FROM http_requests), (SELECT max(occurred_at) FROM http_requests), 'day') p
LEFT JOIN v USING (period) ORDER BY 1
