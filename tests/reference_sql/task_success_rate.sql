-- Succeeded attempts / attempts, per week.
WITH v AS (SELECT date_trunc('week', occurred_at)::DATE AS period,
                  count(*) FILTER (WHERE succeeded) AS num, count(*) AS den FROM task_attempts GROUP BY 1)
SELECT p.period, coalesce(num, 0) / nullif(coalesce(den, 0), 0)::DOUBLE AS value,
       coalesce(num, 0)::DOUBLE AS numerator, coalesce(den, 0)::DOUBLE AS denominator
FROM periods((SELECT min(occurred_at) FROM task_attempts), (SELECT max(occurred_at) FROM task_attempts), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
