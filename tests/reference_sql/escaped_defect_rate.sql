-- Escaped defects / defects found in the month.
WITH v AS (SELECT date_trunc('month', found_at)::DATE AS period,
                  count(*) FILTER (WHERE escaped) AS num, count(*) AS den FROM defects GROUP BY 1)
SELECT p.period, coalesce(num, 0) / nullif(coalesce(den, 0), 0)::DOUBLE AS value,
       coalesce(num, 0)::DOUBLE AS numerator, coalesce(den, 0)::DOUBLE AS denominator
FROM periods((SELECT min(found_at) FROM defects), (SELECT max(found_at) FROM defects), 'month') p
LEFT JOIN v USING (period) ORDER BY 1
