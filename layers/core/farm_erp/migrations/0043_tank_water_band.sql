-- Each tank keeps its latest water test and that test's band, so the dashboard's water counts and the water alerts
-- read the tank rows instead of finding and rating the latest test of every tank on every request
-- (docs/performance.md, "The warm path at volume").
--
-- On tanks: water_test_id and water_tested_at (the latest test by tested_at DESC, id DESC, the order every reader
-- of "the latest test" uses), water_severity (0 unrated, 1 good, 2 warning, 3 danger: the worst of its parameters)
-- and water_out_of_range (its parameters rated warning or danger, worst first, then by name). All four are NULL
-- for a tank without a test. water_band() below is the one copy of the rating rule in SQL; every path that stores
-- a band calls it.
--
-- Exactness. Row triggers on water_tests keep the four columns: an insert replaces the latest when it is newer;
-- an update or delete of the current latest (its values, its tested_at, its tank) recomputes that tank from
-- water_tests_tank_idx, and a test updated into a tank (or forward in time) replaces that tank's latest when newer.
-- A change to water_thresholds (any row, any column) re-rates every tank's latest test (a statement trigger;
-- thresholds change rarely). refresh_figures() recomputes them all, after bulk loads that bypassed the triggers.
--
-- Concurrency. A water-test write locks its tank row FOR NO KEY UPDATE in a BEFORE ROW trigger, that is before the
-- row's foreign-key checks take KEY SHARE on its batch: tanks first, then batches, the lock order every biofloc
-- writer follows (biofloc_api.queries.locks). Taken after the batch, a transfer holding the tank FOR UPDATE and
-- waiting for the batch would have closed a cycle with it. NO KEY UPDATE is the mode the band's UPDATE needs and no
-- more: it does not conflict with the KEY SHARE that other writers' foreign keys take on the tank (an event insert
-- holding its batch waits for nothing here), only with writers that lock or update the tank row itself, and those
-- take tanks before batches. A change of tank locks both tanks in id order, like lock_tanks. Because the lock is
-- held before the AFTER trigger's statements run, each of them (a new snapshot under READ COMMITTED) sees every
-- test committed for the tank; the insert's UPDATE compares (tested_at, id) with the values on the locked tank row
-- in its WHERE as well, so a newer test committed meanwhile is never overwritten by an older one whichever commits
-- first. A threshold change locks every tank (id order, as lock_tanks) before re-rating, so it waits for water-test
-- writers in flight and they wait for it: a band is never left rated against thresholds its writer did not see.
-- Threshold writers hold a threshold row and then tanks; nothing holds a tank and then waits for a threshold row.
-- There is deliberately no foreign key from tanks.water_test_id to water_tests: its check would take KEY SHARE on
-- the test row on every band update and add share locks to the tank-then-batch order (the maintained figures of
-- migration 0030 met deadlocks that way); the column is derived from water_tests and checked by the tests.

ALTER TABLE tanks
    ADD COLUMN water_test_id bigint,
    ADD COLUMN water_tested_at timestamptz,
    ADD COLUMN water_severity smallint CHECK (water_severity BETWEEN 0 AND 3),
    ADD COLUMN water_out_of_range text[],
    ADD CONSTRAINT tanks_water_band_whole CHECK (
        (water_test_id IS NULL) = (water_tested_at IS NULL)
        AND (water_test_id IS NULL) = (water_severity IS NULL)
        AND (water_test_id IS NULL) = (water_out_of_range IS NULL));

-- The water alerts in their order (worst first, then the most recent test), warning and danger only.
CREATE INDEX tanks_water_alert_idx ON tanks (water_severity DESC, water_tested_at DESC, id)
    WHERE is_active AND water_severity >= 2;

-- A band is not an edit of the tank: updated_at moves only when something else changed. Band updates change band
-- columns only, and no API write changes them.
DROP TRIGGER tanks_updated_at ON tanks;
CREATE TRIGGER tanks_updated_at BEFORE UPDATE ON tanks FOR EACH ROW
    WHEN (OLD.water_test_id IS NOT DISTINCT FROM NEW.water_test_id
          AND OLD.water_tested_at IS NOT DISTINCT FROM NEW.water_tested_at
          AND OLD.water_severity IS NOT DISTINCT FROM NEW.water_severity
          AND OLD.water_out_of_range IS NOT DISTINCT FROM NEW.water_out_of_range)
    EXECUTE FUNCTION set_updated_at();

-- The band of one test: each non-NULL parameter is unrated without an active threshold, good inside the good band,
-- warning inside the warning band, else danger (bounds inclusive, a NULL bound unbounded); the test's severity is
-- the worst, and its out-of-range list the warning and danger parameters, worst first, then by name. A test always
-- has a value (water_tests_some_value), so the severity is never NULL. biofloc_api.water rates the same way in
-- Python for the per-parameter bands of API responses.
CREATE FUNCTION water_band(w water_tests, OUT severity smallint, OUT out_of_range text[])
LANGUAGE sql STABLE AS $$
    SELECT max(r.severity)::smallint,
           coalesce(array_agg(r.parameter ORDER BY r.severity DESC, r.parameter) FILTER (WHERE r.severity >= 2), '{}')
      FROM (SELECT v.parameter,
                   CASE
                       WHEN th.parameter IS NULL OR NOT th.is_active THEN 0
                       WHEN (th.good_min IS NULL OR v.value >= th.good_min)
                            AND (th.good_max IS NULL OR v.value <= th.good_max) THEN 1
                       WHEN (th.warn_min IS NULL OR v.value >= th.warn_min)
                            AND (th.warn_max IS NULL OR v.value <= th.warn_max) THEN 2
                       ELSE 3
                   END AS severity
              FROM (VALUES
                    ('temperature_c', w.temperature_c), ('ph', w.ph), ('dissolved_oxygen_mgl', w.dissolved_oxygen_mgl),
                    ('salinity_ppt', w.salinity_ppt), ('ammonia_mgl', w.ammonia_mgl), ('nitrite_mgl', w.nitrite_mgl),
                    ('nitrate_mgl', w.nitrate_mgl), ('alkalinity_mgl', w.alkalinity_mgl),
                    ('hardness_mgl', w.hardness_mgl), ('turbidity_ntu', w.turbidity_ntu), ('tds_mgl', w.tds_mgl),
                    ('floc_volume_mll', w.floc_volume_mll)) AS v (parameter, value)
              LEFT JOIN water_thresholds th ON th.parameter = v.parameter
             WHERE v.value IS NOT NULL) r
$$;

-- Recompute the tanks' latest test and band from water_tests_tank_idx (NULLs for a tank without tests); rows that
-- already hold the right values are left alone. The caller holds the tanks' locks (or a share lock on water_tests).
CREATE FUNCTION water_band_recompute(p_tanks bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE tanks t
       SET water_test_id = f.id, water_tested_at = f.tested_at, water_severity = f.severity,
           water_out_of_range = f.out_of_range
      FROM (SELECT k.id AS tank_id, (w.test).id, (w.test).tested_at, b.severity, b.out_of_range
              FROM tanks k
              LEFT JOIN LATERAL (
                  SELECT x FROM water_tests x WHERE x.tank_id = k.id ORDER BY x.tested_at DESC, x.id DESC LIMIT 1
              ) w (test) ON true
              LEFT JOIN LATERAL water_band(w.test) b ON (w.test).id IS NOT NULL
             WHERE k.id = ANY(p_tanks)) f
     WHERE t.id = f.tank_id
       AND (t.water_test_id, t.water_tested_at, t.water_severity, t.water_out_of_range)
           IS DISTINCT FROM (f.id, f.tested_at, f.severity, f.out_of_range)
$$;

-- BEFORE ROW: the tank lock, ahead of the row's foreign-key checks (see Concurrency above).
CREATE FUNCTION water_tests_lock_tank() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT figures_refreshing() THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM FROM tanks WHERE id = NEW.tank_id FOR NO KEY UPDATE;
        ELSIF TG_OP = 'UPDATE' THEN
            PERFORM FROM tanks WHERE id IN (OLD.tank_id, NEW.tank_id) ORDER BY id FOR NO KEY UPDATE;
        ELSE
            PERFORM FROM tanks WHERE id = OLD.tank_id FOR NO KEY UPDATE;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER water_tests_lock_tank BEFORE INSERT OR UPDATE OR DELETE ON water_tests
    FOR EACH ROW EXECUTE FUNCTION water_tests_lock_tank();

-- AFTER ROW: the tank's latest test and band.
CREATE FUNCTION water_tests_band() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    -- The old row was its tank's latest: recompute that tank (its values, its time or its tank changed, or it went).
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM FROM tanks WHERE id = OLD.tank_id AND water_test_id = OLD.id;
        IF FOUND THEN
            PERFORM water_band_recompute(ARRAY[OLD.tank_id]);
        END IF;
    END IF;
    -- The new row is newer than its tank's latest: it is the latest now.
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE tanks t
           SET water_test_id = NEW.id, water_tested_at = NEW.tested_at, water_severity = b.severity,
               water_out_of_range = b.out_of_range
          FROM water_band(NEW) b
         WHERE t.id = NEW.tank_id
           AND (t.water_test_id IS NULL OR (NEW.tested_at, NEW.id) > (t.water_tested_at, t.water_test_id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER water_tests_band AFTER INSERT OR UPDATE OR DELETE ON water_tests
    FOR EACH ROW EXECUTE FUNCTION water_tests_band();

-- Any threshold change re-rates every tank's latest test. The tanks are locked first, in id order (see
-- Concurrency above); the UPDATE then runs with a snapshot taken after the locks.
CREATE FUNCTION water_thresholds_rerate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    PERFORM FROM tanks ORDER BY id FOR NO KEY UPDATE;
    UPDATE tanks t
       SET water_severity = b.severity, water_out_of_range = b.out_of_range
      FROM water_tests w, water_band(w) b
     WHERE w.id = t.water_test_id
       AND (t.water_severity, t.water_out_of_range) IS DISTINCT FROM (b.severity, b.out_of_range);
    RETURN NULL;
END $$;
CREATE TRIGGER water_thresholds_rerate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON water_thresholds
    FOR EACH STATEMENT EXECUTE FUNCTION water_thresholds_rerate();

-- Every tank, from the base tables (the backfill below, and refresh_figures()).
CREATE FUNCTION refresh_water_bands() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE water_tests, water_thresholds IN SHARE MODE;
    PERFORM water_band_recompute(array_agg(id)) FROM tanks;
END $$;

-- refresh_figures() keeps what it did (migration 0041) and recomputes the bands too.
CREATE OR REPLACE FUNCTION refresh_figures() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_table_figures();
    PERFORM FROM consumption_window_state FOR UPDATE;
    DELETE FROM consumption_window;
    UPDATE consumption_window_state SET since = NULL, until = NULL;
    PERFORM refresh_water_bands();
END $$;

SELECT refresh_water_bands();
