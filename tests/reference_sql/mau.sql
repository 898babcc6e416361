-- Per day D: distinct users with any event from D-27 to D.
WITH days AS (
  SELECT period FROM periods((SELECT min(occurred_at) FROM events),
                             (SELECT max(occurred_at) FROM events), 'day')
), active AS (SELECT DISTINCT occurred_at::DATE AS day, user_id FROM events)
SELECT d.period, count(DISTINCT a.user_id)::DOUBLE AS value
FROM days d LEFT JOIN active a ON a.day BETWEEN d.period - 27 AND d.period
GROUP BY 1 ORDER BY 1
