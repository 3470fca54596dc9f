-- Facility dates of the staged rows of {table} (a name from the layer catalogue), before the upsert
-- (migration 019): a row given a date gets its year; a row given only a year keeps the date its stored
-- row has when that falls in the same year, else 1 July of it; an inactive row given no retirement day
-- keeps the stored one. So importing the same file again changes nothing.
UPDATE import_stage s
SET install_year = CASE WHEN s.install_date IS NOT NULL THEN extract(year FROM s.install_date)::smallint
                        ELSE s.install_year END,
    install_date = coalesce(
        s.install_date,
        CASE WHEN t.install_date IS NOT NULL AND extract(year FROM t.install_date) = s.install_year
             THEN t.install_date END,
        CASE WHEN s.install_year IS NOT NULL THEN make_date(s.install_year, 7, 1) END
    ),
    retired_on = coalesce(s.retired_on, CASE WHEN s.status = 'inactive' THEN t.retired_on END)
FROM import_stage s2
LEFT JOIN {table} t ON t.natural_key = s2.natural_key
WHERE s2.id = s.id
