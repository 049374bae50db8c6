-- An item keeps the unit cost of its latest purchased or manually added lot (the item view's last_purchase_price):
-- the lot with the latest received_date, then the highest id, among its 'manual' and 'purchase' lots; NULL when it
-- has none. The item view read it with a sub-select per row, which on a small store the planner ran as a sequential
-- scan of lots and a sort for every row of the page (1.1 ms of a 1.6 ms statement at 200 items); now it is a column.
--
-- Kept by row triggers on lots: a lot inserted or deleted with one of those sources, or a change to the columns that
-- choose the latest (item_id, source, received_date, unit_cost), recomputes its item(s) with one probe of
-- lots_item_idx. Stock movements only change lots.remaining_qty, which these triggers do not watch. Every writer of
-- lots already holds its item's row lock (farm_erp.stock locks items first, and the lot-value triggers of migration
-- 0030 update the same item rows), so the update adds no lock. refresh_figures() recomputes every item after bulk
-- loads that bypassed the triggers.

ALTER TABLE items ADD COLUMN last_purchase_price numeric(18, 4);

CREATE FUNCTION item_last_purchase_recompute(p_item bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE items i
       SET last_purchase_price = p.price
      FROM (SELECT (SELECT l.unit_cost FROM lots l
                     WHERE l.item_id = p_item AND l.source IN ('manual', 'purchase')
                     ORDER BY l.received_date DESC, l.id DESC LIMIT 1) AS price) p
     WHERE i.id = p_item AND i.last_purchase_price IS DISTINCT FROM p.price;
$$;

CREATE FUNCTION lots_last_purchase_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF figures_refreshing() THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM item_last_purchase_recompute(OLD.item_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.item_id <> OLD.item_id) THEN
        PERFORM item_last_purchase_recompute(NEW.item_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER lots_last_purchase_insert AFTER INSERT ON lots
    FOR EACH ROW WHEN (NEW.source IN ('manual', 'purchase')) EXECUTE FUNCTION lots_last_purchase_change();
CREATE TRIGGER lots_last_purchase_update AFTER UPDATE OF item_id, source, received_date, unit_cost ON lots
    FOR EACH ROW
    WHEN ((OLD.item_id, OLD.source, OLD.received_date, OLD.unit_cost)
          IS DISTINCT FROM (NEW.item_id, NEW.source, NEW.received_date, NEW.unit_cost))
    EXECUTE FUNCTION lots_last_purchase_change();
CREATE TRIGGER lots_last_purchase_delete AFTER DELETE ON lots
    FOR EACH ROW WHEN (OLD.source IN ('manual', 'purchase')) EXECUTE FUNCTION lots_last_purchase_change();

-- Every item, from lots (the backfill below, and refresh_figures()). A recount is not an edit: the items' own
-- triggers (updated_at, the figure shards) skip it, as in refresh_figures(), and the flag is put back afterwards.
CREATE FUNCTION refresh_last_purchase_prices() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    prev text := coalesce(current_setting('farm_erp.refreshing', true), '');
BEGIN
    LOCK TABLE lots IN SHARE MODE;
    PERFORM set_config('farm_erp.refreshing', 'on', true);
    -- One pass over lots (sorted, then joined), not a probe per item: right after a bulk load the statistics are
    -- not there yet, and a per-item sub-select planned on empty statistics scanned all of lots for every item.
    UPDATE items i
       SET last_purchase_price = p.price
      FROM (SELECT it.id, l.unit_cost AS price
              FROM items it
              LEFT JOIN (SELECT DISTINCT ON (item_id) item_id, unit_cost FROM lots
                          WHERE source IN ('manual', 'purchase')
                          ORDER BY item_id, received_date DESC, id DESC) l ON l.item_id = it.id) p
     WHERE i.id = p.id AND i.last_purchase_price IS DISTINCT FROM p.price;
    PERFORM set_config('farm_erp.refreshing', prev, true);
END $$;

-- refresh_figures() keeps what it did (migrations 0041 and 0043) and recomputes the prices too.
CREATE OR REPLACE FUNCTION refresh_figures() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_table_figures();
    PERFORM FROM consumption_window_state FOR UPDATE;
    DELETE FROM consumption_window;
    UPDATE consumption_window_state SET since = NULL, until = NULL;
    PERFORM refresh_water_bands();
    PERFORM refresh_last_purchase_prices();
END $$;

SELECT refresh_last_purchase_prices();
