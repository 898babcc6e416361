-- Distinct users with feature_used on 'export' / distinct active users, per week.
WITH v AS (
  SELECT date_trunc('week', occurred_at)::DATE AS period,
         count(DISTINCT user_id) FILTER (WHERE name = 'feature_used' AND feature = 'export') AS num,
         count(DISTINCT user_id) AS den
  FROM events GROUP BY 1
)
SELECT p.period, coalesce(num, 0) / nullif(coalesce(den, 0), 0)::DOUBLE AS value,
       coalesce(num, 0)::DOUBLE AS numerator, coalesce(den, 0)::DOUBLE AS denominator
FROM periods((SELECT min(occurred_at) FROM events), (SELECT max(occurred_at) FROM events), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
