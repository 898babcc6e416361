-- Succeeded deploys / deploys, per week.
WITH v AS (SELECT date_trunc('week', deployed_at)::DATE AS period,
                  count(*) FILTER (WHERE succeeded) AS num, count(*) AS den FROM deploys GROUP BY 1)
SELECT p.period, coalesce(num, 0) / nullif(coalesce(den, 0), 0)::DOUBLE AS value,
       coalesce(num, 0)::DOUBLE AS numerator, coalesce(den, 0)::DOUBLE AS denominator
FROM periods((SELECT min(deployed_at) FROM deploys), (SELECT max(deployed_at) FROM deploys), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
