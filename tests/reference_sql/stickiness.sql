-- dau / mau per day.
WITH days AS (
  SELECT period FROM periods((SELECT min(occurred_at) FROM events),
                             (SELECT max(occurred_at) FROM events), 'day')
), active AS (SELECT DISTINCT occurred_at::DATE AS day, user_id FROM events),
mau AS (
  SELECT d.period, count(DISTINCT a.user_id) AS n FROM days d
  LEFT JOIN active a ON a.day BETWEEN d.period - 27 AND d.period GROUP BY 1
), dau AS (SELECT day AS period, count(*) AS n FROM active GROUP BY 1)
SELECT d.period, coalesce(dau.n, 0) / nullif(mau.n, 0)::DOUBLE AS value
FROM days d JOIN mau USING (period) LEFT JOIN dau USING (period) ORDER BY 1
