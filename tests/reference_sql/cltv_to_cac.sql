-- cltv / cac per month, every input at month grain.
WITH months AS (
  SELECT period FROM periods(
    least((SELECT min(ordered_at) FROM orders), (SELECT min(started_at) FROM subscriptions),
          (SELECT min(day) FROM marketing_spend), (SELECT min(signed_up_at) FROM users)),
    greatest((SELECT max(ordered_at) FROM orders),
             (SELECT max(coalesce(cancelled_at, started_at)) FROM subscriptions),
             (SELECT max(day) FROM marketing_spend), (SELECT max(signed_up_at) FROM users)),
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
), spend AS (SELECT date_trunc('month', day)::DATE AS period, sum(spend_usd) AS s
             FROM marketing_spend GROUP BY 1),
paid AS (SELECT date_trunc('month', signed_up_at)::DATE AS period, count(*) AS n
         FROM users WHERE acquisition_channel <> 'organic' GROUP BY 1),
parts AS (
  SELECT m.period,
         (coalesce(r, 0) / nullif(coalesce(u, 0), 0)::DOUBLE)
         * ((coalesce(r, 0) - coalesce(c, 0)) / nullif(coalesce(r, 0), 0)::DOUBLE)
         / nullif(churn.rate, 0) AS cltv,
         coalesce(s, 0) / nullif(coalesce(n, 0), 0)::DOUBLE AS cac
  FROM months m LEFT JOIN o USING (period) JOIN churn USING (period)
  LEFT JOIN spend USING (period) LEFT JOIN paid USING (period)
)
SELECT period, cltv / nullif(cac, 0) AS value FROM parts ORDER BY 1
