-- Completed order revenue / distinct users with a completed order, per month.
WITH v AS (SELECT date_trunc('month', ordered_at)::DATE AS period, sum(amount_usd) AS r,
                  count(DISTINCT user_id) AS u FROM orders WHERE status = 'completed' GROUP BY 1)
SELECT p.period, coalesce(r, 0) / nullif(coalesce(u, 0), 0)::DOUBLE AS value,
       coalesce(r, 0)::DOUBLE AS numerator, coalesce(u, 0)::DOUBLE AS denominator
FROM periods((SELECT min(ordered_at) FROM orders), (SELECT max(ordered_at) FROM orders), 'month') p
LEFT JOIN v USING (period) ORDER BY 1
