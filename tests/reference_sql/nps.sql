-- (promoters - detractors) / responses * 100, per month.
WITH v AS (SELECT date_trunc('month', responded_at)::DATE AS period,
                  100 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) AS num,
                  count(*) AS den FROM nps_responses GROUP BY 1)
SELECT p.period, coalesce(num, 0) / nullif(coalesce(den, 0), 0)::DOUBLE AS value,
       coalesce(num, 0)::DOUBLE AS numerator, coalesce(den, 0)::DOUBLE AS denominator
FROM periods((SELECT min(responded_at) FROM nps_responses), (SELECT max(responded_at) FROM nps_responses), 'month') p
LEFT JOIN v USING (period) ORDER BY 1
