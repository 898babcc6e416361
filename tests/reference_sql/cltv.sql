-- arppu * gross_margin / churn_rate per month (each input at month grain).
WITH months AS (
  SELECT period FROM periods(
    least((SELECT min(ordered_at) FROM orders), (SELECT min(started_at) FROM subscriptions)),
    greatest((SELECT max(ordered_at) FROM orders),
             (SELECT max(coalesce(cancelled_at, started_at)) FROM subscriptions)),
    'month')
), o AS (SELECT date_trunc('month', ordered_at)::DATE AS period, sum(amount_usd) AS r,
                sum(cost_usd) AS c, count(DISTINCT user_id) AS u
         FROM orders WHERE status = 'completed' GROUP BY 1),
churn AS (
  SELECT m.period,
    (SELECT count(*) FROM subscriptions s WHERE s.cancelled_at >= m.period
       AND s.cancelled_at < m.period + INTERVAL 1 MONTH)
    / nullif((SELECT count(*) FROM subscriptions s WHERE s.started_at < m.period
       AND (s.cancelled_at IS NULL OR s.cancelled_at >= m.period)), 0)::DOUBLE AS rate
  FROM months m
)
SELECT m.period,
       (coalesce(r, 0) / nullif(coalesce(u, 0), 0)::DOUBLE)
       * ((coalesce(r, 0) - coalesce(c, 0)) / nullif(coalesce(r, 0), 0)::DOUBLE)
       / nullif(churn.rate, 0) AS value
FROM months m LEFT JOIN o USING (period) JOIN churn USING (period) ORDER BY 1
