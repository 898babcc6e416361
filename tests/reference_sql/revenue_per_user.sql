-- Completed order revenue / distinct active users, per month.
WITH months AS (
  SELECT period FROM periods(
    least((SELECT min(ordered_at) FROM orders), (SELECT min(occurred_at) FROM events)),
    greatest((SELECT max(ordered_at) FROM orders), (SELECT max(occurred_at) FROM events)),
    'month')
), rev AS (SELECT date_trunc('month', ordered_at)::DATE AS period, sum(amount_usd) AS r
           FROM orders WHERE status = 'completed' GROUP BY 1),
act AS (SELECT date_trunc('month', occurred_at)::DATE AS period, count(DISTINCT user_id) AS u
        FROM events GROUP BY 1)
SELECT m.period, coalesce(r, 0) / nullif(coalesce(u, 0), 0)::DOUBLE AS value,
       coalesce(r, 0)::DOUBLE AS numerator, coalesce(u, 0)::DOUBLE AS denominator
FROM months m LEFT JOIN rev USING (period) LEFT JOIN act USING (period) ORDER BY 1
