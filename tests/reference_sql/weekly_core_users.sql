-- Distinct users with a workflow_completed event, per week.
WITH v AS (
  SELECT date_trunc('week', occurred_at)::DATE AS period, count(DISTINCT user_id) AS n
  FROM events WHERE name = 'workflow_completed' GROUP BY 1
)
SELECT p.period, coalesce(v.n, 0)::DOUBLE AS value
FROM periods((SELECT min(occurred_at) FROM events), (SELECT max(occurred_at) FROM events), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
