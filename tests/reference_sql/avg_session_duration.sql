-- Average duration_s of sessions started in the week.
WITH v AS (SELECT date_trunc('week', started_at)::DATE AS period, avg(duration_s) AS a
           FROM sessions GROUP BY 1)
SELECT p.period, v.a::DOUBLE AS value
FROM periods((SELECT min(started_at) FROM sessions), (SELECT max(started_at) FROM sessions), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
