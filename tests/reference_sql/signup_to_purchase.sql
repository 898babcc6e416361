-- Of users whose first signup falls in the week, the share with a purchase within 14 days.
WITH first_signup AS (
  SELECT user_id, min(occurred_at) AS t0 FROM events WHERE name = 'signup' GROUP BY 1
), flagged AS (
  SELECT f.user_id, f.t0, EXISTS (
    SELECT 1 FROM events e WHERE e.user_id = f.user_id AND e.name = 'purchase'
      AND e.occurred_at BETWEEN f.t0 AND f.t0 + INTERVAL 14 DAY) AS converted
  FROM first_signup f
), v AS (
  SELECT date_trunc('week', t0)::DATE AS period, count(*) FILTER (WHERE converted) AS num,
         count(*) AS den FROM flagged GROUP BY 1
)
SELECT p.period, coalesce(num, 0) / nullif(coalesce(den, 0), 0)::DOUBLE AS value,
       coalesce(num, 0)::DOUBLE AS numerator, coalesce(den, 0)::DOUBLE AS denominator
FROM periods((SELECT min(occurred_at) FROM events), (SELECT max(occurred_at) FROM events), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
