-- Marketing spend / completed non-organic orders, per month.
WITH months AS (
  SELECT period FROM periods(
    least((SELECT min(day) FROM marketing_spend), (SELECT min(ordered_at) FROM orders)),
    greatest((SELECT max(day) FROM marketing_spend), (SELECT max(ordered_at) FROM orders)),
    'month')
), spend AS (SELECT date_trunc('month', day)::DATE AS period, sum(spend_usd) AS s
             FROM marketing_spend GROUP BY 1),
paid AS (SELECT date_trunc('month', ordered_at)::DATE AS period, count(*) AS n FROM orders
         WHERE status = 'completed' AND channel <> 'organic' GROUP BY 1)
SELECT m.period, coalesce(s, 0) / nullif(coalesce(n, 0), 0)::DOUBLE AS value,
       coalesce(s, 0)::DOUBLE AS numerator, coalesce(n, 0)::DOUBLE AS denominator
FROM months m LEFT JOIN spend USING (period) LEFT JOIN paid USING (period) ORDER BY 1
