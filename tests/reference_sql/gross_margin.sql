-- (revenue - cost) / revenue over completed orders, per month.
WITH v AS (SELECT date_trunc('month', ordered_at)::DATE AS period, sum(amount_usd) AS r,
                  sum(cost_usd) AS c FROM orders WHERE status = 'completed' GROUP BY 1)
SELECT p.period, (coalesce(r, 0) - coalesce(c, 0)) / nullif(coalesce(r, 0), 0)::DOUBLE AS value,
       (coalesce(r, 0) - coalesce(c, 0))::DOUBLE AS numerator, coalesce(r, 0)::DOUBLE AS denominator
FROM periods((SELECT min(ordered_at) FROM orders), (SELECT max(ordered_at) FROM orders), 'month') p
LEFT JOIN v USING (period) ORDER BY 1
