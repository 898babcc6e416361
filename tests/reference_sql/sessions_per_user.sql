-- Sessions started in the week / distinct users who started them.
WITH v AS (SELECT date_trunc('week', started_at)::DATE AS period, count(*) AS num,
                  count(DISTINCT user_id) AS den FROM sessions GROUP BY 1)
SELECT p.period, coalesce(num, 0) / nullif(coalesce(den, 0), 0)::DOUBLE AS value,
       coalesce(num, 0)::DOUBLE AS numerator, coalesce(den, 0)::DOUBLE AS denominator
FROM periods((SELECT min(started_at) FROM sessions), (SELECT max(started_at) FROM sessions), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
