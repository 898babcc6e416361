-- Clicks / impressions, per week.
WITH v AS (SELECT date_trunc('week', day)::DATE AS period, sum(clicks) AS c, sum(impressions) AS i
           FROM marketing_spend GROUP BY 1)
SELECT p.period, coalesce(c, 0) / nullif(coalesce(i, 0), 0)::DOUBLE AS value,
       coalesce(c, 0)::DOUBLE AS numerator, coalesce(i, 0)::DOUBLE AS denominator
FROM periods((SELECT min(day) FROM marketing_spend), (SELECT max(day) FROM marketing_spend), 'week') p
LEFT JOIN v USING (period) ORDER BY 1
