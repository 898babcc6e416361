-- PRs merged in the week.
WITH v AS (SELECT date_trunc('week', merged_at)::DATE AS period, count(*) AS n
           FROM pull_requests WHERE merged_at IS NOT NULL GROUP BY 1)
SELECT p.period, coalesce(n, 0)::DOUBLE AS value
FROM periods((SELECT min(merged_at) FROM pull_requests), (SELECT max(merged_at) FROM pull_requests), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
