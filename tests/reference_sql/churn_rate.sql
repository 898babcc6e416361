-- Subscriptions cancelled in the month / subscriptions active at the month's start.
WITH months AS (
  SELECT period FROM periods((SELECT min(started_at) FROM subscriptions),
                             (SELECT max(coalesce(cancelled_at, started_at)) FROM subscriptions),
                             'month')
)
SELECT m.period,
       (SELECT count(*) FROM subscriptions s WHERE s.cancelled_at >= m.period
          AND s.cancelled_at < m.period + INTERVAL 1 MONTH)
       / nullif((SELECT count(*) FROM subscriptions s WHERE s.started_at < m.period
          AND (s.cancelled_at IS NULL OR s.cancelled_at >= m.period)), 0)::DOUBLE AS value,
       (SELECT count(*) FROM subscriptions s WHERE s.cancelled_at >= m.period
          AND s.cancelled_at < m.period + INTERVAL 1 MONTH)::DOUBLE AS numerator,
       (SELECT count(*) FROM subscriptions s WHERE s.started_at < m.period
          AND (s.cancelled_at IS NULL OR s.cancelled_at >= m.period))::DOUBLE AS denominator
FROM months m ORDER BY 1
