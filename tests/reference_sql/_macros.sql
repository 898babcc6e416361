-- Helpers shared by the oracle queries (DuckDB table macros), hand-written.
-- periods(lo, hi, unit): every period start from the one containing lo to the one containing hi.
CREATE OR REPLACE TEMP MACRO periods(lo, hi, unit) AS TABLE
  SELECT unnest(generate_series(date_trunc(unit, lo)::DATE, date_trunc(unit, hi)::DATE,
         CASE unit WHEN 'day' THEN INTERVAL 1 DAY WHEN 'week' THEN INTERVAL 7 DAY
                   ELSE INTERVAL 1 MONTH END))::DATE AS period;
