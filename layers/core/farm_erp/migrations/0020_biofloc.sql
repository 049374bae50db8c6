-- Biofloc aquaculture: tanks, fish batches, assignments, events, water quality, costs (docs/rules.md: Biofloc).
-- Event tables carry tank_id and batch_id as they were when the event happened (derived, never sent).

CREATE TABLE tanks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text NOT NULL CHECK (code = upper(btrim(code)) AND code ~ '^[A-Z0-9][A-Z0-9._-]{0,49}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    capacity_liters  numeric(18, 2) NOT NULL CHECK (capacity_liters > 0),
    location         text CHECK (length(location) <= 200),
    tank_type        text NOT NULL DEFAULT 'circular' CHECK (tank_type IN ('circular', 'rectangular', 'raceway')),
    status           text NOT NULL DEFAULT 'available'
                     CHECK (status IN ('available', 'in_use', 'maintenance', 'decommissioned')),
    is_active        boolean NOT NULL DEFAULT true,
    notes            text,
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tanks_code_key ON tanks (upper(code));
CREATE TRIGGER tanks_updated_at BEFORE UPDATE ON tanks FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A tank code is immutable (docs/rules.md: Biofloc): the API refuses it, the database makes sure.
CREATE FUNCTION tanks_code_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.code IS DISTINCT FROM OLD.code THEN
        RAISE EXCEPTION 'tank code is immutable' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tanks_code_immutable BEFORE UPDATE OF code ON tanks FOR EACH ROW EXECUTE FUNCTION tanks_code_immutable();

CREATE TABLE batches (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                  text NOT NULL CHECK (code = upper(btrim(code)) AND code ~ '^[A-Z0-9][A-Z0-9._-]{0,69}$'),
    species               text NOT NULL CHECK (length(species) BETWEEN 1 AND 100),
    source                text CHECK (length(source) <= 200),
    stocking_date         date NOT NULL,
    origin_stocking_date  date NOT NULL CHECK (origin_stocking_date <= stocking_date),
    initial_count         integer NOT NULL CHECK (initial_count > 0),
    initial_avg_weight_g  numeric(18, 3) NOT NULL CHECK (initial_avg_weight_g > 0),
    initial_biomass_kg    numeric(18, 3) GENERATED ALWAYS AS (round(initial_count * initial_avg_weight_g / 1000, 3)) STORED,
    current_count         integer NOT NULL CHECK (current_count >= 0),
    current_avg_weight_g  numeric(18, 3) NOT NULL CHECK (current_avg_weight_g > 0),
    current_biomass_kg    numeric(18, 3) GENERATED ALWAYS AS (round(current_count * current_avg_weight_g / 1000, 3)) STORED,
    last_sample_date      date,
    total_mortality       integer NOT NULL DEFAULT 0 CHECK (total_mortality >= 0),
    harvested_count       integer NOT NULL DEFAULT 0 CHECK (harvested_count >= 0),
    graded_out_count      integer NOT NULL DEFAULT 0 CHECK (graded_out_count >= 0),
    harvested_kg          numeric(18, 3) NOT NULL DEFAULT 0 CHECK (harvested_kg >= 0),
    graded_out_kg         numeric(18, 3) NOT NULL DEFAULT 0 CHECK (graded_out_kg >= 0),
    total_feed_kg         numeric(18, 3) NOT NULL DEFAULT 0 CHECK (total_feed_kg >= 0),
    status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'harvested', 'graded', 'terminated')),
    end_date              date CHECK (end_date >= stocking_date),
    end_avg_weight_g      numeric(18, 3) CHECK (end_avg_weight_g > 0),
    parent_batch_id       bigint REFERENCES batches (id),
    notes                 text,
    created_by            bigint REFERENCES users (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT batches_count_balance
        CHECK (current_count = initial_count - total_mortality - harvested_count - graded_out_count),
    CONSTRAINT batches_end_date_iff_closed CHECK ((end_date IS NULL) = (status = 'active'))
);
CREATE UNIQUE INDEX batches_code_key ON batches (upper(code));
CREATE INDEX batches_status_idx ON batches (status);
CREATE INDEX batches_parent_idx ON batches (parent_batch_id) WHERE parent_batch_id IS NOT NULL;
CREATE TRIGGER batches_updated_at BEFORE UPDATE ON batches FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE tank_assignments (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id               bigint NOT NULL REFERENCES batches (id),
    tank_id                bigint NOT NULL REFERENCES tanks (id),
    start_date             date NOT NULL,
    end_date               date CHECK (end_date >= start_date),
    start_reason           text NOT NULL CHECK (start_reason IN ('stocking', 'transfer', 'grading')),
    end_reason             text CHECK (end_reason IN ('transfer', 'harvest', 'grading', 'termination')),
    fish_count_at_start    integer NOT NULL CHECK (fish_count_at_start >= 0),
    avg_weight_at_start_g  numeric(18, 3) NOT NULL CHECK (avg_weight_at_start_g > 0),
    reason                 text CHECK (length(reason) <= 200),
    created_by             bigint REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tank_assignments_end_reason_iff_ended CHECK ((end_reason IS NULL) = (end_date IS NULL))
);
-- At most one open assignment per tank and per batch: concurrent double stocking cannot both commit.
CREATE UNIQUE INDEX tank_assignments_open_tank ON tank_assignments (tank_id) WHERE end_date IS NULL;
CREATE UNIQUE INDEX tank_assignments_open_batch ON tank_assignments (batch_id) WHERE end_date IS NULL;
CREATE INDEX tank_assignments_tank_idx ON tank_assignments (tank_id, start_date DESC, id DESC);
CREATE INDEX tank_assignments_batch_idx ON tank_assignments (batch_id, start_date DESC, id DESC);

CREATE TABLE feedings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tank_id         bigint NOT NULL REFERENCES tanks (id),
    batch_id        bigint NOT NULL REFERENCES batches (id),
    feeding_date    date NOT NULL,
    session_number  smallint NOT NULL CHECK (session_number BETWEEN 1 AND 10),
    feed_time       time,
    total_feed_kg   numeric(18, 3) NOT NULL CHECK (total_feed_kg > 0),
    total_cost      numeric(18, 2) NOT NULL DEFAULT 0 CHECK (total_cost >= 0),
    operation_id    bigint,
    notes           text,
    created_by      bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT feedings_session_key UNIQUE (tank_id, feeding_date, session_number)
);
CREATE INDEX feedings_batch_idx ON feedings (batch_id, feeding_date DESC, id DESC);
CREATE INDEX feedings_date_idx ON feedings (feeding_date DESC, id DESC);

CREATE TABLE feeding_lines (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feeding_id   bigint NOT NULL REFERENCES feedings (id) ON DELETE CASCADE,
    line_no      smallint NOT NULL CHECK (line_no >= 0),
    item_id      bigint NOT NULL,
    quantity_kg  numeric(18, 3) NOT NULL CHECK (quantity_kg > 0),
    item_qty     numeric(18, 3) NOT NULL CHECK (item_qty > 0),
    cost         numeric(18, 2) NOT NULL DEFAULT 0 CHECK (cost >= 0),
    CONSTRAINT feeding_lines_item_key UNIQUE (feeding_id, item_id)
);

CREATE TABLE samplings (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id          bigint NOT NULL REFERENCES batches (id),
    tank_id           bigint REFERENCES tanks (id),
    sample_date       date NOT NULL,
    sample_size       integer NOT NULL CHECK (sample_size > 0),
    avg_weight_g      numeric(18, 3) NOT NULL CHECK (avg_weight_g > 0),
    min_weight_g      numeric(18, 3) CHECK (min_weight_g > 0),
    max_weight_g      numeric(18, 3) CHECK (max_weight_g > 0),
    avg_length_cm     numeric(18, 3) CHECK (avg_length_cm > 0),
    min_length_cm     numeric(18, 3) CHECK (min_length_cm > 0),
    max_length_cm     numeric(18, 3) CHECK (max_length_cm > 0),
    std_dev_g         numeric(18, 3) CHECK (std_dev_g >= 0),
    condition_factor  numeric(18, 3),
    notes             text,
    created_by        bigint REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT samplings_weight_order CHECK (min_weight_g <= avg_weight_g AND avg_weight_g <= max_weight_g
                                            AND min_weight_g <= max_weight_g),
    CONSTRAINT samplings_length_order CHECK (min_length_cm <= avg_length_cm AND avg_length_cm <= max_length_cm
                                            AND min_length_cm <= max_length_cm)
);
CREATE INDEX samplings_batch_idx ON samplings (batch_id, sample_date DESC, id DESC);

CREATE TABLE mortalities (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id         bigint NOT NULL REFERENCES batches (id),
    tank_id          bigint REFERENCES tanks (id),
    mortality_date   date NOT NULL,
    count            integer NOT NULL CHECK (count > 0),
    cause            text CHECK (length(cause) <= 100),
    avg_weight_g     numeric(18, 3) NOT NULL CHECK (avg_weight_g > 0),
    biomass_loss_kg  numeric(18, 3) NOT NULL CHECK (biomass_loss_kg >= 0),
    notes            text,
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mortalities_batch_idx ON mortalities (batch_id, mortality_date DESC, id DESC);
CREATE INDEX mortalities_date_idx ON mortalities (mortality_date);

CREATE TABLE water_tests (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tank_id               bigint NOT NULL REFERENCES tanks (id),
    batch_id              bigint REFERENCES batches (id),
    tested_at             timestamptz NOT NULL,
    temperature_c         numeric(12, 3) CHECK (temperature_c >= 0),
    ph                    numeric(12, 3) CHECK (ph BETWEEN 0 AND 14),
    dissolved_oxygen_mgl  numeric(12, 3) CHECK (dissolved_oxygen_mgl >= 0),
    salinity_ppt          numeric(12, 3) CHECK (salinity_ppt >= 0),
    ammonia_mgl           numeric(12, 3) CHECK (ammonia_mgl >= 0),
    nitrite_mgl           numeric(12, 3) CHECK (nitrite_mgl >= 0),
    nitrate_mgl           numeric(12, 3) CHECK (nitrate_mgl >= 0),
    alkalinity_mgl        numeric(12, 3) CHECK (alkalinity_mgl >= 0),
    hardness_mgl          numeric(12, 3) CHECK (hardness_mgl >= 0),
    turbidity_ntu         numeric(12, 3) CHECK (turbidity_ntu >= 0),
    tds_mgl               numeric(12, 3) CHECK (tds_mgl >= 0),
    floc_volume_mll       numeric(12, 3) CHECK (floc_volume_mll >= 0),
    notes                 text,
    created_by            bigint REFERENCES users (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT water_tests_some_value CHECK (num_nonnulls(
        temperature_c, ph, dissolved_oxygen_mgl, salinity_ppt, ammonia_mgl, nitrite_mgl, nitrate_mgl,
        alkalinity_mgl, hardness_mgl, turbidity_ntu, tds_mgl, floc_volume_mll) >= 1)
);
CREATE INDEX water_tests_tank_idx ON water_tests (tank_id, tested_at DESC, id DESC);

CREATE TABLE water_thresholds (
    parameter   text PRIMARY KEY CHECK (parameter IN (
                    'temperature_c', 'ph', 'dissolved_oxygen_mgl', 'salinity_ppt', 'ammonia_mgl', 'nitrite_mgl',
                    'nitrate_mgl', 'alkalinity_mgl', 'hardness_mgl', 'turbidity_ntu', 'tds_mgl', 'floc_volume_mll')),
    unit        text NOT NULL CHECK (length(unit) BETWEEN 1 AND 20),
    good_min    numeric(12, 3),
    good_max    numeric(12, 3),
    warn_min    numeric(12, 3),
    warn_max    numeric(12, 3),
    is_active   boolean NOT NULL DEFAULT true,
    updated_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT water_thresholds_good_order CHECK (good_min <= good_max),
    -- A warning band widens the good band on its side; NULL bounds are unbounded.
    CONSTRAINT water_thresholds_warn_min CHECK (warn_min IS NULL OR (good_min IS NOT NULL AND warn_min <= good_min)),
    CONSTRAINT water_thresholds_warn_max CHECK (warn_max IS NULL OR (good_max IS NOT NULL AND warn_max >= good_max))
);
CREATE TRIGGER water_thresholds_updated_at BEFORE UPDATE ON water_thresholds
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
INSERT INTO water_thresholds (parameter, unit, good_min, good_max, warn_min, warn_max) VALUES
    ('dissolved_oxygen_mgl', 'mg/L', 5, NULL, 4, NULL),
    ('ph', 'pH', 7.5, 8.2, 7.0, 8.5),
    ('ammonia_mgl', 'mg/L', NULL, 0.2, NULL, 0.5),
    ('nitrite_mgl', 'mg/L', NULL, 0.3, NULL, 1.0),
    ('temperature_c', '°C', 28, 30, 26, 32),
    ('floc_volume_mll', 'mL/L', 10, 40, 5, 50),
    ('alkalinity_mgl', 'mg/L', 100, 150, 75, 200);

CREATE TABLE tank_inputs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tank_id       bigint NOT NULL REFERENCES tanks (id),
    batch_id      bigint REFERENCES batches (id),
    input_date    date NOT NULL,
    input_time    time,
    input_type    text NOT NULL CHECK (input_type IN ('chemical', 'probiotic', 'carbon_source', 'mineral', 'other')),
    item_id       bigint,
    item_name     text NOT NULL CHECK (length(item_name) BETWEEN 1 AND 200),
    quantity      numeric(18, 3) NOT NULL CHECK (quantity > 0),
    unit          text NOT NULL CHECK (length(unit) BETWEEN 1 AND 20),
    unit_cost     numeric(18, 4) NOT NULL DEFAULT 0 CHECK (unit_cost >= 0),
    total_cost    numeric(18, 2) NOT NULL DEFAULT 0 CHECK (total_cost >= 0),
    reason        text CHECK (length(reason) <= 200),
    operation_id  bigint,
    notes         text,
    created_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tank_inputs_stock_iff_item CHECK (operation_id IS NULL OR item_id IS NOT NULL)
);
CREATE INDEX tank_inputs_tank_idx ON tank_inputs (tank_id, input_date DESC, id DESC);
CREATE INDEX tank_inputs_batch_idx ON tank_inputs (batch_id, input_date DESC, id DESC) WHERE batch_id IS NOT NULL;

CREATE TABLE harvests (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id         bigint NOT NULL REFERENCES batches (id),
    tank_id          bigint REFERENCES tanks (id),
    harvest_date     date NOT NULL,
    harvest_type     text NOT NULL CHECK (harvest_type IN ('partial', 'complete')),
    fish_count       integer NOT NULL CHECK (fish_count > 0),
    total_weight_kg  numeric(18, 3) NOT NULL CHECK (total_weight_kg > 0),
    avg_weight_g     numeric(18, 3) NOT NULL CHECK (avg_weight_g > 0),
    grade_a_kg       numeric(18, 3) NOT NULL DEFAULT 0 CHECK (grade_a_kg >= 0),
    grade_b_kg       numeric(18, 3) NOT NULL DEFAULT 0 CHECK (grade_b_kg >= 0),
    grade_c_kg       numeric(18, 3) NOT NULL DEFAULT 0 CHECK (grade_c_kg >= 0),
    reject_kg        numeric(18, 3) NOT NULL DEFAULT 0 CHECK (reject_kg >= 0),
    buyer_name       text CHECK (length(buyer_name) <= 200),
    price_per_kg     numeric(18, 2) CHECK (price_per_kg >= 0),
    revenue          numeric(18, 2) NOT NULL DEFAULT 0 CHECK (revenue >= 0),
    notes            text,
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT harvests_grades_within_total
        CHECK (grade_a_kg + grade_b_kg + grade_c_kg + reject_kg <= total_weight_kg)
);
CREATE INDEX harvests_batch_idx ON harvests (batch_id, harvest_date DESC, id DESC);

CREATE TABLE gradings (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_batch_id  bigint NOT NULL UNIQUE REFERENCES batches (id),
    source_tank_id   bigint NOT NULL REFERENCES tanks (id),
    grading_date     date NOT NULL,
    total_fish       integer NOT NULL CHECK (total_fish > 0),
    group_count      smallint NOT NULL CHECK (group_count BETWEEN 2 AND 3),
    notes            text,
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE grading_groups (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grading_id           bigint NOT NULL REFERENCES gradings (id),
    label                text NOT NULL CHECK (length(label) BETWEEN 1 AND 10),
    child_batch_id       bigint NOT NULL REFERENCES batches (id),
    destination_tank_id  bigint NOT NULL REFERENCES tanks (id),
    fish_count           integer NOT NULL CHECK (fish_count > 0),
    avg_weight_g         numeric(18, 3) NOT NULL CHECK (avg_weight_g > 0),
    biomass_kg           numeric(18, 3) NOT NULL CHECK (biomass_kg >= 0),
    transfer_in_cost     numeric(18, 2) NOT NULL DEFAULT 0 CHECK (transfer_in_cost >= 0),
    CONSTRAINT grading_groups_label_key UNIQUE (grading_id, label),
    CONSTRAINT grading_groups_tank_key UNIQUE (grading_id, destination_tank_id)
);

CREATE TABLE cycle_costs (
    batch_id       bigint PRIMARY KEY REFERENCES batches (id),
    fingerling     numeric(18, 2) NOT NULL DEFAULT 0 CHECK (fingerling >= 0),
    feed           numeric(18, 2) NOT NULL DEFAULT 0 CHECK (feed >= 0),
    chemical       numeric(18, 2) NOT NULL DEFAULT 0 CHECK (chemical >= 0),
    labour         numeric(18, 2) NOT NULL DEFAULT 0 CHECK (labour >= 0),
    utilities      numeric(18, 2) NOT NULL DEFAULT 0 CHECK (utilities >= 0),
    other          numeric(18, 2) NOT NULL DEFAULT 0 CHECK (other >= 0),
    transfer_in    numeric(18, 2) NOT NULL DEFAULT 0 CHECK (transfer_in >= 0),
    transfer_out   numeric(18, 2) NOT NULL DEFAULT 0 CHECK (transfer_out >= 0),
    total_cost     numeric(18, 2) GENERATED ALWAYS AS
                       (fingerling + feed + chemical + labour + utilities + other + transfer_in) STORED,
    net_cost       numeric(18, 2) GENERATED ALWAYS AS
                       (fingerling + feed + chemical + labour + utilities + other + transfer_in - transfer_out) STORED,
    total_revenue  numeric(18, 2) NOT NULL DEFAULT 0 CHECK (total_revenue >= 0),
    gross_profit   numeric(18, 2) GENERATED ALWAYS AS
                       (total_revenue - (fingerling + feed + chemical + labour + utilities + other + transfer_in
                                         - transfer_out)) STORED,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER cycle_costs_updated_at BEFORE UPDATE ON cycle_costs FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE cost_entries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id     bigint NOT NULL REFERENCES batches (id),
    category     text NOT NULL CHECK (category IN ('fingerling', 'labour', 'utilities', 'other')),
    amount       numeric(18, 2) NOT NULL CHECK (amount <> 0),
    entry_date   date NOT NULL,
    description  text CHECK (length(description) <= 255),
    created_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cost_entries_batch_idx ON cost_entries (batch_id, entry_date DESC, id DESC);

-- Links into the shared stock ledger (docs/rules.md: Inventory).
ALTER TABLE feedings ADD CONSTRAINT feedings_operation_fkey FOREIGN KEY (operation_id) REFERENCES stock_operations (id);
ALTER TABLE feeding_lines ADD CONSTRAINT feeding_lines_item_fkey FOREIGN KEY (item_id) REFERENCES items (id);
ALTER TABLE tank_inputs ADD CONSTRAINT tank_inputs_item_fkey FOREIGN KEY (item_id) REFERENCES items (id);
ALTER TABLE tank_inputs ADD CONSTRAINT tank_inputs_operation_fkey FOREIGN KEY (operation_id) REFERENCES stock_operations (id);
