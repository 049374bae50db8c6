-- Figures that dashboards, alerts and list totals used to compute from whole tables on every request, now kept
-- up to date in the same transactions that change their inputs (docs/performance.md, "Maintained figures").
--
-- Two kinds:
-- * per-row figures, on the row they describe, changed by immediate triggers: an item's unrounded stock value
--   (Σ remaining_qty × unit_cost of its lots) and its pending reservations, a unit's and a category's item count.
--   Every writer of lots and reservations already holds the item's row lock (farm_erp.stock locks items first),
--   so these updates take no new lock.
-- * whole-table figures (row counts, active items, low-stock items, total stock value, open POs), kept as sums
--   over 16 shard rows. Each transaction adds its deltas to one shard (its backend pid modulo 16), and does so at
--   COMMIT (deferred constraint triggers): two writers only wait for each other when they share a shard, and only
--   for the length of a commit; a transaction holds at most one shard row, taken after all its other locks, so
--   no lock cycle can form through them.
--
-- refresh_figures() recomputes everything from the base tables (the backfill below, and after a bulk load that
-- bypassed triggers). The tests compare every figure with a fresh computation after every kind of change.

CREATE TABLE figure_shards (
    shard            smallint PRIMARY KEY CHECK (shard BETWEEN 0 AND 15),
    items            bigint NOT NULL DEFAULT 0,
    active_items     bigint NOT NULL DEFAULT 0,
    -- active items with a threshold whose on_hand − pending reservations ≤ threshold (items.low_stock_deficit ≥ 0)
    low_stock_items  bigint NOT NULL DEFAULT 0,
    -- Σ remaining_qty × unit_cost over all lots, unrounded (exact: numeric products and sums do not round)
    lots_value       numeric NOT NULL DEFAULT 0,
    open_pos         bigint NOT NULL DEFAULT 0,
    pending_pos      bigint NOT NULL DEFAULT 0,
    stock_ledger     bigint NOT NULL DEFAULT 0,
    water_tests      bigint NOT NULL DEFAULT 0,
    feedings         bigint NOT NULL DEFAULT 0,
    samplings        bigint NOT NULL DEFAULT 0,
    mortalities      bigint NOT NULL DEFAULT 0,
    harvests         bigint NOT NULL DEFAULT 0
);
INSERT INTO figure_shards (shard) SELECT generate_series(0, 15);

-- The shard of the current transaction's deltas.
CREATE FUNCTION figure_shard() RETURNS smallint LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT (pg_backend_pid() % 16)::smallint $$;

-- refresh_figures() sets this for its own transaction so the triggers leave its bulk updates alone.
CREATE FUNCTION figures_refreshing() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('farm_erp.refreshing', true), '') = 'on' $$;

-- A recount is not an edit: updated_at stays as it was while refresh_figures() runs.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT figures_refreshing() THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

-- ---------------------------------------------------------------------------------------------- per-row figures

ALTER TABLE items
    ADD COLUMN pending_reserved_qty numeric(18, 3) NOT NULL DEFAULT 0 CHECK (pending_reserved_qty >= 0),
    ADD COLUMN lots_value numeric NOT NULL DEFAULT 0 CHECK (lots_value >= 0),
    -- NULL for items that cannot be low on stock; ≥ 0 when low counting every pending reservation. Reservations
    -- past reserved_until that the expiry job has not reached yet are corrected for at read time.
    ADD COLUMN low_stock_deficit numeric GENERATED ALWAYS AS (
        CASE WHEN is_active AND reorder_threshold > 0
             THEN reorder_threshold - (on_hand_qty - pending_reserved_qty) END) STORED;
-- The low-stock alert list in its order (deficit desc, name), read a page at a time.
CREATE INDEX items_low_stock_idx ON items (low_stock_deficit DESC, name, id) WHERE low_stock_deficit >= 0;
ALTER TABLE units ADD COLUMN item_count bigint NOT NULL DEFAULT 0 CHECK (item_count >= 0);
ALTER TABLE categories ADD COLUMN item_count bigint NOT NULL DEFAULT 0 CHECK (item_count >= 0);

CREATE FUNCTION lots_value_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE items i SET lots_value = i.lots_value + d.v
          FROM (SELECT item_id, sum(remaining_qty * unit_cost) AS v FROM new_rows GROUP BY item_id) d
         WHERE i.id = d.item_id AND d.v <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE items i SET lots_value = i.lots_value - d.v
          FROM (SELECT item_id, sum(remaining_qty * unit_cost) AS v FROM old_rows GROUP BY item_id) d
         WHERE i.id = d.item_id AND d.v <> 0;
    ELSE
        UPDATE items i SET lots_value = i.lots_value + d.v
          FROM (SELECT item_id, sum(v) AS v FROM (
                    SELECT item_id, remaining_qty * unit_cost AS v FROM new_rows
                    UNION ALL
                    SELECT item_id, -(remaining_qty * unit_cost) FROM old_rows) x
                 GROUP BY item_id) d
         WHERE i.id = d.item_id AND d.v <> 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER lots_value_insert AFTER INSERT ON lots REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lots_value_change();
CREATE TRIGGER lots_value_update AFTER UPDATE ON lots REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lots_value_change();
CREATE TRIGGER lots_value_delete AFTER DELETE ON lots REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lots_value_change();

-- Pending reservations per item, whatever their reserved_until.
CREATE FUNCTION reservations_pending_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE items i SET pending_reserved_qty = i.pending_reserved_qty + d.q
          FROM (SELECT item_id, sum(quantity) AS q FROM new_rows WHERE status = 'pending' GROUP BY item_id) d
         WHERE i.id = d.item_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE items i SET pending_reserved_qty = i.pending_reserved_qty - d.q
          FROM (SELECT item_id, sum(quantity) AS q FROM old_rows WHERE status = 'pending' GROUP BY item_id) d
         WHERE i.id = d.item_id;
    ELSE
        UPDATE items i SET pending_reserved_qty = i.pending_reserved_qty + d.q
          FROM (SELECT item_id, sum(q) AS q FROM (
                    SELECT item_id, quantity AS q FROM new_rows WHERE status = 'pending'
                    UNION ALL
                    SELECT item_id, -quantity FROM old_rows WHERE status = 'pending') x
                 GROUP BY item_id) d
         WHERE i.id = d.item_id AND d.q <> 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reservations_pending_insert AFTER INSERT ON reservations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reservations_pending_change();
CREATE TRIGGER reservations_pending_update AFTER UPDATE ON reservations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reservations_pending_change();
CREATE TRIGGER reservations_pending_delete AFTER DELETE ON reservations REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reservations_pending_change();

-- Items per unit and per category. An item insert already holds a key-share lock on both rows (its foreign
-- keys); a non-key update does not conflict with it, so item writers only wait for each other here.
CREATE FUNCTION items_master_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE units SET item_count = item_count - 1 WHERE id = OLD.unit_id;
        UPDATE categories SET item_count = item_count - 1 WHERE id = OLD.category_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE units SET item_count = item_count + 1 WHERE id = NEW.unit_id;
        UPDATE categories SET item_count = item_count + 1 WHERE id = NEW.category_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER items_master_counts_insert AFTER INSERT OR DELETE ON items
    FOR EACH ROW EXECUTE FUNCTION items_master_counts();
CREATE TRIGGER items_master_counts_update AFTER UPDATE OF unit_id, category_id ON items
    FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.category_id IS DISTINCT FROM NEW.category_id)
    EXECUTE FUNCTION items_master_counts();
-- set_updated_at would otherwise move a unit's or category's updated_at on every item created in it.
CREATE FUNCTION set_updated_at_unless_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT figures_refreshing()
       AND (to_jsonb(NEW) - 'item_count' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'item_count' - 'updated_at')
    THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER units_updated_at ON units;
CREATE TRIGGER units_updated_at BEFORE UPDATE ON units FOR EACH ROW EXECUTE FUNCTION set_updated_at_unless_count();
DROP TRIGGER categories_updated_at ON categories;
CREATE TRIGGER categories_updated_at BEFORE UPDATE ON categories
    FOR EACH ROW EXECUTE FUNCTION set_updated_at_unless_count();

-- ------------------------------------------------------------------------------------------ whole-table figures

CREATE FUNCTION items_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_items bigint := 0;
    d_active bigint := 0;
    d_low bigint := 0;
    d_value numeric := 0;
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        d_items := d_items - 1;
        d_active := d_active - OLD.is_active::int;
        d_low := d_low - coalesce(OLD.low_stock_deficit >= 0, false)::int;
        d_value := d_value - OLD.lots_value;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        d_items := d_items + 1;
        d_active := d_active + NEW.is_active::int;
        d_low := d_low + coalesce(NEW.low_stock_deficit >= 0, false)::int;
        d_value := d_value + NEW.lots_value;
    END IF;
    UPDATE figure_shards
       SET items = items + d_items, active_items = active_items + d_active,
           low_stock_items = low_stock_items + d_low, lots_value = lots_value + d_value
     WHERE shard = figure_shard();
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER items_figures_change AFTER INSERT OR DELETE ON items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION items_figures();
CREATE CONSTRAINT TRIGGER items_figures_update AFTER UPDATE ON items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
          OR (OLD.low_stock_deficit >= 0) IS DISTINCT FROM (NEW.low_stock_deficit >= 0)
          OR OLD.lots_value <> NEW.lots_value)
    EXECUTE FUNCTION items_figures();

CREATE FUNCTION purchase_orders_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_open bigint := 0;
    d_pending bigint := 0;
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        d_open := d_open - (OLD.status IN ('pending', 'approved', 'ordered', 'partially_received'))::int;
        d_pending := d_pending - (OLD.status = 'pending')::int;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        d_open := d_open + (NEW.status IN ('pending', 'approved', 'ordered', 'partially_received'))::int;
        d_pending := d_pending + (NEW.status = 'pending')::int;
    END IF;
    UPDATE figure_shards SET open_pos = open_pos + d_open, pending_pos = pending_pos + d_pending
     WHERE shard = figure_shard();
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER purchase_orders_figures_change AFTER INSERT OR DELETE ON purchase_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION purchase_orders_figures();
CREATE CONSTRAINT TRIGGER purchase_orders_figures_update AFTER UPDATE ON purchase_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION purchase_orders_figures();

-- Row counts of the big tables, for the totals of their unfiltered lists. The column is the trigger's argument.
CREATE FUNCTION count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    EXECUTE format('UPDATE figure_shards SET %1$I = %1$I + $1 WHERE shard = $2', TG_ARGV[0])
        USING CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END, figure_shard();
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER stock_ledger_count AFTER INSERT OR DELETE ON stock_ledger
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_rows('stock_ledger');
CREATE CONSTRAINT TRIGGER water_tests_count AFTER INSERT OR DELETE ON water_tests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_rows('water_tests');
CREATE CONSTRAINT TRIGGER feedings_count AFTER INSERT OR DELETE ON feedings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_rows('feedings');
CREATE CONSTRAINT TRIGGER samplings_count AFTER INSERT OR DELETE ON samplings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_rows('samplings');
CREATE CONSTRAINT TRIGGER mortalities_count AFTER INSERT OR DELETE ON mortalities
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_rows('mortalities');
CREATE CONSTRAINT TRIGGER harvests_count AFTER INSERT OR DELETE ON harvests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION count_rows('harvests');

-- ------------------------------------------------------------------------------------------------ recomputation

-- Every maintained figure from the base tables. Share locks keep writers out until the caller commits, so the
-- result is exact; meant for this migration and for bulk loads that bypassed the triggers, not for live traffic.
CREATE FUNCTION refresh_figures() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE items, lots, reservations, units, categories, purchase_orders, stock_ledger, water_tests, feedings,
               samplings, mortalities, harvests IN SHARE MODE;
    LOCK TABLE figure_shards IN EXCLUSIVE MODE;
    PERFORM set_config('farm_erp.refreshing', 'on', true);
    UPDATE items i
       SET pending_reserved_qty = f.reserved, lots_value = f.value
      FROM (SELECT it.id,
                   coalesce((SELECT sum(r.quantity) FROM reservations r
                              WHERE r.item_id = it.id AND r.status = 'pending'), 0) AS reserved,
                   coalesce((SELECT sum(l.remaining_qty * l.unit_cost) FROM lots l WHERE l.item_id = it.id), 0)
                       AS value
              FROM items it) f
     WHERE i.id = f.id AND (i.pending_reserved_qty <> f.reserved OR i.lots_value <> f.value);
    UPDATE units u SET item_count = f.n
      FROM (SELECT un.id, (SELECT count(*) FROM items i WHERE i.unit_id = un.id) AS n FROM units un) f
     WHERE u.id = f.id AND u.item_count <> f.n;
    UPDATE categories c SET item_count = f.n
      FROM (SELECT ca.id, (SELECT count(*) FROM items i WHERE i.category_id = ca.id) AS n FROM categories ca) f
     WHERE c.id = f.id AND c.item_count <> f.n;
    UPDATE figure_shards SET items = 0, active_items = 0, low_stock_items = 0, lots_value = 0, open_pos = 0,
                             pending_pos = 0, stock_ledger = 0, water_tests = 0, feedings = 0, samplings = 0,
                             mortalities = 0, harvests = 0;
    UPDATE figure_shards SET
        items = (SELECT count(*) FROM items),
        active_items = (SELECT count(*) FROM items WHERE is_active),
        low_stock_items = (SELECT count(*) FROM items WHERE low_stock_deficit >= 0),
        lots_value = (SELECT coalesce(sum(lots_value), 0) FROM items),
        open_pos = (SELECT count(*) FROM purchase_orders
                     WHERE status IN ('pending', 'approved', 'ordered', 'partially_received')),
        pending_pos = (SELECT count(*) FROM purchase_orders WHERE status = 'pending'),
        stock_ledger = (SELECT count(*) FROM stock_ledger),
        water_tests = (SELECT count(*) FROM water_tests),
        feedings = (SELECT count(*) FROM feedings),
        samplings = (SELECT count(*) FROM samplings),
        mortalities = (SELECT count(*) FROM mortalities),
        harvests = (SELECT count(*) FROM harvests)
     WHERE shard = 0;
END $$;

SELECT refresh_figures();

-- --------------------------------------------------------------------------------------- indexes for list orders

-- Event lists are read newest first; without these a page sorted the whole table.
CREATE INDEX water_tests_time_idx ON water_tests (tested_at DESC, id DESC);
CREATE INDEX samplings_date_idx ON samplings (sample_date DESC, id DESC);
DROP INDEX mortalities_date_idx;
CREATE INDEX mortalities_date_idx ON mortalities (mortality_date DESC, id DESC);
CREATE INDEX harvests_date_idx ON harvests (harvest_date DESC, id DESC);
CREATE INDEX batches_stocking_idx ON batches (stocking_date DESC, id DESC);
CREATE INDEX tank_inputs_date_idx ON tank_inputs (input_date DESC, id DESC);
CREATE INDEX gradings_date_idx ON gradings (grading_date DESC, id DESC);
