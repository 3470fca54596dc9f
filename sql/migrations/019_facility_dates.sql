-- Facility dates (issue 13): the day a facility went into service (install_date) and the day it was
-- retired (retired_on), so that a past year is counted with the status it had at that year's end and
-- construction under the plan (from 2017-05-22) can be told from what stood before it.
--
-- install_year stays (imports, tiles and older files use it) and is kept in step by a trigger: a row
-- given only a year gets 1 July of that year (the middle of the year: which side of a date inside that
-- year it falls on is unknown), a row given a date gets its year. Command centres and guidance signs
-- had no year; they get the two dates, empty.

ALTER TABLE cameras
    ADD COLUMN install_date date,
    ADD COLUMN retired_on date,
    ADD CONSTRAINT cameras_retired_after_install CHECK (retired_on >= install_date);
ALTER TABLE interval_speed_sections
    ADD COLUMN install_date date,
    ADD COLUMN retired_on date,
    ADD CONSTRAINT interval_speed_sections_retired_after_install CHECK (retired_on >= install_date);
ALTER TABLE enforcement_stations
    ADD COLUMN install_date date,
    ADD COLUMN retired_on date,
    ADD CONSTRAINT enforcement_stations_retired_after_install CHECK (retired_on >= install_date);
ALTER TABLE weather_stations
    ADD COLUMN install_date date,
    ADD COLUMN retired_on date,
    ADD CONSTRAINT weather_stations_retired_after_install CHECK (retired_on >= install_date);
ALTER TABLE command_centres
    ADD COLUMN install_date date,
    ADD COLUMN retired_on date,
    ADD CONSTRAINT command_centres_retired_after_install CHECK (retired_on >= install_date);
ALTER TABLE guidance_signs
    ADD COLUMN install_date date,
    ADD COLUMN retired_on date,
    ADD CONSTRAINT guidance_signs_retired_after_install CHECK (retired_on >= install_date);

-- install_year and install_date in step: the one that changed wins (a date when both did).
CREATE FUNCTION daoan_facility_dates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.install_date IS NOT NULL THEN
            NEW.install_year := extract(year FROM NEW.install_date);
        ELSIF NEW.install_year IS NOT NULL THEN
            NEW.install_date := make_date(NEW.install_year, 7, 1);
        END IF;
    ELSIF NEW.install_date IS DISTINCT FROM OLD.install_date THEN
        NEW.install_year := extract(year FROM NEW.install_date);
    ELSIF NEW.install_year IS DISTINCT FROM OLD.install_year THEN
        NEW.install_date := CASE WHEN NEW.install_year IS NULL THEN NULL ELSE make_date(NEW.install_year, 7, 1) END;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER cameras_dates BEFORE INSERT OR UPDATE ON cameras
    FOR EACH ROW EXECUTE FUNCTION daoan_facility_dates();
CREATE TRIGGER interval_speed_sections_dates BEFORE INSERT OR UPDATE ON interval_speed_sections
    FOR EACH ROW EXECUTE FUNCTION daoan_facility_dates();
CREATE TRIGGER enforcement_stations_dates BEFORE INSERT OR UPDATE ON enforcement_stations
    FOR EACH ROW EXECUTE FUNCTION daoan_facility_dates();
CREATE TRIGGER weather_stations_dates BEFORE INSERT OR UPDATE ON weather_stations
    FOR EACH ROW EXECUTE FUNCTION daoan_facility_dates();

UPDATE cameras SET install_date = make_date(install_year, 7, 1) WHERE install_year IS NOT NULL;
UPDATE interval_speed_sections SET install_date = make_date(install_year, 7, 1) WHERE install_year IS NOT NULL;
UPDATE enforcement_stations SET install_date = make_date(install_year, 7, 1) WHERE install_year IS NOT NULL;
UPDATE weather_stations SET install_date = make_date(install_year, 7, 1) WHERE install_year IS NOT NULL;

-- Whether a facility was in service at the end of day `at` (today when NULL). Today: active and not
-- retired. A past day: not planned, installed by then (an unknown install date counts as installed)
-- and not yet retired then; an inactive facility without a retirement date counted in no year (its
-- retirement day is unknown).
CREATE FUNCTION daoan_in_service(status text, install_date date, retired_on date, at date)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN at IS NULL THEN status = 'active' AND (retired_on IS NULL OR retired_on > current_date)
        ELSE status <> 'planned'
             AND (install_date IS NULL OR install_date <= at)
             AND (retired_on > at OR (retired_on IS NULL AND status = 'active'))
    END
$$;
