-- Tickets opened in the week * 1000 / distinct active users.
WITH weeks AS (
  SELECT period FROM periods(
    least((SELECT min(opened_at) FROM support_tickets), (SELECT min(occurred_at) FROM events)),
    greatest((SELECT max(opened_at) FROM support_tickets), (SELECT max(occurred_at) FROM events)),
    'week')
), t AS (SELECT date_trunc('week', opened_at)::DATE AS period, count(*) AS n
         FROM support_tickets GROUP BY 1),
u AS (SELECT date_trunc('week', occurred_at)::DATE AS period, count(DISTINCT user_id) AS a
      FROM events GROUP BY 1)
SELECT w.period, 1000 * coalesce(n, 0) / nullif(coalesce(a, 0), 0)::DOUBLE AS value,
       1000 * coalesce(n, 0)::DOUBLE AS numerator, coalesce(a, 0)::DOUBLE AS denominator
FROM weeks w LEFT JOIN t USING (period) LEFT JOIN u USING (period) ORDER BY 1
