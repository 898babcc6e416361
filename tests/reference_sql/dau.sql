-- Distinct active users per day.
WITH v AS (SELECT occurred_at::DATE AS period, count(DISTINCT user_id) AS n FROM events GROUP BY 1)
SELECT p.period, coalesce(n, 0)::DOUBLE AS value
FROM periods((SELECT min(occurred_at) FROM events), (SELECT max(occurred_at) FROM events), 'day') p
LEFT JOIN v USING (period) ORDER BY 1
