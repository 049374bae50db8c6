-- The module consumption report's default window (the last 30 farm days), kept aggregated per module and item so
-- the report reads one page of rows instead of aggregating tens of thousands of ledger rows on every request
-- (docs/performance.md, "The consumption report's default window").
--
-- consumption_window holds, per (module, item), the `use` rows of stock_ledger whose occurred_at lies in
-- [since, until) of the single consumption_window_state row: Σ |qty_change|, Σ cost, the number of distinct
-- operations, the latest occurred_at and the number of rows. The database knows no farm day and no time zone:
-- the application computes the window's bounds (farm midnights in FARM_TIMEZONE) and moves the window to them
-- (consumption_window_move), so a change of FARM_TIMEZONE is just another pair of bounds.
--
-- Exactness. A row trigger adds each new `use` row to the aggregate when it falls in the window; the ledger is
-- append-only, so nothing else changes the inputs. An operation counts once per item however many lots it took
-- from, and across the window's edges: a row adds an operation only if no other row of the same operation, item
-- and module is in the window already; moving the window subtracts an operation only if none of its rows stays.
--
-- Concurrency. The trigger reads the bounds under FOR SHARE of the state row, held until its transaction ends;
-- moving the window takes FOR UPDATE ... SKIP LOCKED of the same row. So a move never runs while a writer that
-- judged a row against the old bounds is uncommitted, and a writer that starts after a move sees the new
-- bounds. A move never waits (it gives up and the report reads the ledger), so it cannot join a lock cycle;
-- writers take the share lock before their first aggregate row, so they cannot deadlock with a move either.
-- The aggregate has no foreign keys: a key check would make a move wait for KEY SHARE on an item that a writer
-- holds FOR UPDATE while that writer waits for the state row the move holds (a deadlock the concurrency tests
-- found). Its rows are derived from ledger rows, which carry the references.
-- Writers of one item already hold that item's lock (farm_erp.stock), so an aggregate row adds no contention.

CREATE TABLE consumption_window_state (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    -- NULL: no window yet (or cleared by refresh_figures after a bulk load); the report reads the ledger
    since  timestamptz,
    until  timestamptz,
    CHECK ((since IS NULL) = (until IS NULL) AND since < until)
);
INSERT INTO consumption_window_state DEFAULT VALUES;

CREATE TABLE consumption_window (
    module_key    text NOT NULL,
    item_id       bigint NOT NULL,
    quantity      numeric NOT NULL CHECK (quantity > 0),
    cost          numeric NOT NULL CHECK (cost >= 0),
    -- ≥ 0, not > 0: an INSERT ... ON CONFLICT checks the proposed row, whose operations may be 0 (an operation
    -- already counted); a stored row always has at least one.
    operations    bigint NOT NULL CHECK (operations >= 0),
    last_used_at  timestamptz NOT NULL,
    use_rows      bigint NOT NULL CHECK (use_rows > 0),
    PRIMARY KEY (module_key, item_id)
);
-- The report's order (cost desc, then item name and id from items: an incremental sort on top of this).
CREATE INDEX consumption_window_cost_idx ON consumption_window (module_key, cost DESC) INCLUDE (item_id);

-- Whether another `use` row of the same operation, item and module lies in [since, until). The trigger passes
-- only_earlier: an AFTER ROW trigger of a multi-row INSERT sees every row of its statement, so "another row" would
-- make each row of a one-statement, two-lot use defer to the other and the operation would count zero times;
-- counting it at its first row by id is right whether its rows arrive in one statement or several.
CREATE FUNCTION consumption_op_seen(
    p_row bigint, p_operation bigint, p_item bigint, p_module text, p_since timestamptz, p_until timestamptz,
    only_earlier boolean DEFAULT false
) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM stock_ledger s
                    WHERE s.operation_id = p_operation AND s.item_id = p_item AND s.module_key = p_module
                      AND s.type = 'use' AND s.id <> p_row AND (NOT only_earlier OR s.id < p_row)
                      AND s.occurred_at >= p_since AND s.occurred_at < p_until)
$$;

CREATE FUNCTION consumption_window_add() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    st consumption_window_state;
BEGIN
    SELECT * INTO st FROM consumption_window_state FOR SHARE;
    IF st.since IS NULL OR NEW.occurred_at < st.since OR NEW.occurred_at >= st.until THEN
        RETURN NULL;
    END IF;
    INSERT INTO consumption_window AS w (module_key, item_id, quantity, cost, operations, last_used_at, use_rows)
    VALUES (NEW.module_key, NEW.item_id, abs(NEW.qty_change), NEW.cost,
            (NOT consumption_op_seen(NEW.id, NEW.operation_id, NEW.item_id, NEW.module_key, st.since, st.until, true))::int,
            NEW.occurred_at, 1)
    ON CONFLICT (module_key, item_id) DO UPDATE
       SET quantity = w.quantity + EXCLUDED.quantity, cost = w.cost + EXCLUDED.cost,
           operations = w.operations + EXCLUDED.operations,
           last_used_at = greatest(w.last_used_at, EXCLUDED.last_used_at), use_rows = w.use_rows + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER stock_ledger_consumption_window AFTER INSERT ON stock_ledger
    FOR EACH ROW WHEN (NEW.type = 'use') EXECUTE FUNCTION consumption_window_add();

-- Move the window to [p_since, p_until): true when it is there on return, false when a writer holds the state row
-- (the caller reads the ledger instead). Forward and overlapping: subtract the head that left, add the tail that
-- came in (a day's rows). Anything else (first use, a clock or time zone that moved the bounds back, a jump of
-- more than the window): recompute from the ledger.
CREATE FUNCTION consumption_window_move(p_since timestamptz, p_until timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    st consumption_window_state;
BEGIN
    SELECT * INTO st FROM consumption_window_state FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF st.since = p_since AND st.until = p_until THEN
        RETURN true;
    END IF;
    IF st.since IS NULL OR p_since < st.since OR p_until < st.until OR p_since >= st.until THEN
        DELETE FROM consumption_window;
        INSERT INTO consumption_window (module_key, item_id, quantity, cost, operations, last_used_at, use_rows)
        SELECT module_key, item_id, sum(abs(qty_change)), sum(cost), count(DISTINCT operation_id), max(occurred_at),
               count(*)
          FROM stock_ledger
         WHERE type = 'use' AND occurred_at >= p_since AND occurred_at < p_until
         GROUP BY module_key, item_id;
    ELSE
        -- The head [st.since, p_since) leaves; rows that stay are in [p_since, st.until). An item whose every row
        -- left goes (its last_used_at is the one figure a subtraction cannot give); the others lose the head's
        -- share, and their latest use, being after p_since, stays.
        WITH gone AS (
            SELECT module_key, item_id, sum(abs(qty_change)) AS quantity, sum(cost) AS cost, count(*) AS use_rows,
                   count(DISTINCT operation_id) FILTER (
                       WHERE NOT consumption_op_seen(id, operation_id, item_id, module_key, p_since, st.until))
                       AS operations
              FROM stock_ledger
             WHERE type = 'use' AND occurred_at >= st.since AND occurred_at < p_since
             GROUP BY module_key, item_id),
        shrunk AS (
            UPDATE consumption_window w
               SET quantity = w.quantity - g.quantity, cost = w.cost - g.cost,
                   operations = w.operations - g.operations, use_rows = w.use_rows - g.use_rows
              FROM gone g
             WHERE w.module_key = g.module_key AND w.item_id = g.item_id AND w.use_rows > g.use_rows)
        DELETE FROM consumption_window w
         USING gone g
         WHERE w.module_key = g.module_key AND w.item_id = g.item_id AND w.use_rows = g.use_rows;
        -- The tail [st.until, p_until) comes in; the rows already counted are in [p_since, st.until).
        INSERT INTO consumption_window AS w (module_key, item_id, quantity, cost, operations, last_used_at, use_rows)
        SELECT module_key, item_id, sum(abs(qty_change)), sum(cost),
               count(DISTINCT operation_id) FILTER (
                   WHERE NOT consumption_op_seen(id, operation_id, item_id, module_key, p_since, st.until)),
               max(occurred_at), count(*)
          FROM stock_ledger
         WHERE type = 'use' AND occurred_at >= st.until AND occurred_at < p_until
         GROUP BY module_key, item_id
        ON CONFLICT (module_key, item_id) DO UPDATE
           SET quantity = w.quantity + EXCLUDED.quantity, cost = w.cost + EXCLUDED.cost,
               operations = w.operations + EXCLUDED.operations,
               last_used_at = greatest(w.last_used_at, EXCLUDED.last_used_at), use_rows = w.use_rows + EXCLUDED.use_rows;
    END IF;
    UPDATE consumption_window_state SET since = p_since, until = p_until;
    RETURN true;
END $$;

-- refresh_figures() (bulk loads that bypassed the triggers) also forgets the window: the next report moves it.
ALTER FUNCTION refresh_figures() RENAME TO refresh_table_figures;
CREATE FUNCTION refresh_figures() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_table_figures();
    PERFORM FROM consumption_window_state FOR UPDATE;
    DELETE FROM consumption_window;
    UPDATE consumption_window_state SET since = NULL, until = NULL;
END $$;
