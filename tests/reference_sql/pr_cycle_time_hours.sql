-- Average hours from opened_at to merged_at of PRs merged in the week.
WITH v AS (SELECT date_trunc('week', merged_at)::DATE AS period,
                  avg(epoch(merged_at) - epoch(opened_at)) / 3600.0 AS h
           FROM pull_requests WHERE merged_at IS NOT NULL GROUP BY 1)
SELECT p.period, v.h::DOUBLE AS value
FROM periods((SELECT min(merged_at) FROM pull_requests), (SELECT max(merged_at) FROM pull_requests), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
