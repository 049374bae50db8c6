-- Inventory: master data, lots, the shared stock ledger, reservations, purchase orders (docs/rules.md: Inventory).
-- Quantities NUMERIC(18,3), unit costs NUMERIC(18,4), money NUMERIC(18,2) (docs/rules.md: Conventions).
-- Every stock invariant that can be stated per row is a CHECK; the cross-table one
-- (on_hand = Σ lots.remaining = Σ ledger.qty_change) is kept by farm_erp.stock and asserted by the tests.

CREATE TABLE categories (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description  text,
    created_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX categories_name_key ON categories (lower(name));
CREATE TRIGGER categories_updated_at BEFORE UPDATE ON categories FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE suppliers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contact_person  text,
    phone           text,
    email           text,
    address         text,
    notes           text,
    is_active       boolean NOT NULL DEFAULT true,
    created_by      bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX suppliers_name_key ON suppliers (lower(name));
CREATE TRIGGER suppliers_updated_at BEFORE UPDATE ON suppliers FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE units (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    abbreviation  text NOT NULL CHECK (length(abbreviation) BETWEEN 1 AND 20),
    category      text NOT NULL CHECK (category IN ('weight', 'volume', 'count', 'length', 'area')),
    base_factor   numeric(24, 12) CHECK (base_factor > 0),
    is_active     boolean NOT NULL DEFAULT true,
    created_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX units_name_key ON units (lower(name));
CREATE UNIQUE INDEX units_abbreviation_key ON units (lower(abbreviation));
CREATE TRIGGER units_updated_at BEFORE UPDATE ON units FOR EACH ROW EXECUTE FUNCTION set_updated_at();
INSERT INTO units (name, abbreviation, category, base_factor) VALUES
    ('Kilogram', 'kg', 'weight', 1),
    ('Gram', 'g', 'weight', 0.001),
    ('Milligram', 'mg', 'weight', 0.000001),
    ('Tonne', 't', 'weight', 1000),
    ('Pound', 'lb', 'weight', 0.45359237),
    ('Litre', 'l', 'volume', 1),
    ('Millilitre', 'ml', 'volume', 0.001),
    ('Cubic metre', 'm³', 'volume', 1000),
    ('Gallon', 'gal', 'volume', 3.785411784),
    ('Piece', 'pcs', 'count', 1),
    ('Dozen', 'dozen', 'count', 12),
    ('Box', 'box', 'count', NULL),
    ('Bag', 'bag', 'count', NULL),
    ('Pack', 'pack', 'count', NULL),
    ('Bottle', 'bottle', 'count', NULL),
    ('Can', 'can', 'count', NULL),
    ('Roll', 'roll', 'count', NULL),
    ('Set', 'set', 'count', NULL),
    ('Metre', 'm', 'length', 1),
    ('Centimetre', 'cm', 'length', 0.01),
    ('Millimetre', 'mm', 'length', 0.001),
    ('Foot', 'ft', 'length', 0.3048),
    ('Square metre', 'm²', 'area', 1),
    ('Acre', 'acre', 'area', 4046.8564224),
    ('Hectare', 'ha', 'area', 10000);

CREATE TABLE items (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku                  text NOT NULL UNIQUE CHECK (sku ~ '^[A-Z0-9][A-Z0-9._-]{0,63}$'),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description          text,
    category_id          bigint REFERENCES categories (id),
    unit_id              bigint NOT NULL REFERENCES units (id),
    default_supplier_id  bigint REFERENCES suppliers (id),
    default_price        numeric(18, 4) NOT NULL DEFAULT 0 CHECK (default_price >= 0),
    reorder_threshold    numeric(18, 3) NOT NULL DEFAULT 0 CHECK (reorder_threshold >= 0),
    min_stock_level      numeric(18, 3) NOT NULL DEFAULT 0 CHECK (min_stock_level >= 0),
    on_hand_qty          numeric(18, 3) NOT NULL DEFAULT 0 CHECK (on_hand_qty >= 0),
    is_active            boolean NOT NULL DEFAULT true,
    created_by           bigint REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_name_idx ON items (name, id);
CREATE INDEX items_category_idx ON items (category_id);
CREATE INDEX items_unit_idx ON items (unit_id);
CREATE INDEX items_supplier_idx ON items (default_supplier_id);
-- Low-stock alerts and the dashboard only ever look at these rows.
CREATE INDEX items_reorder_idx ON items (id) WHERE is_active AND reorder_threshold > 0;
CREATE TRIGGER items_updated_at BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE stock_operations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('add', 'use', 'multi_use', 'adjustment', 'po_receipt',
                                              'reservation_confirm', 'feeding', 'tank_input')),
    module_key  text NOT NULL REFERENCES modules (key),
    ref_id      bigint,
    purpose     text CHECK (length(purpose) <= 200),
    notes       text,
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE purchase_orders (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    po_number          text NOT NULL CHECK (length(po_number) BETWEEN 1 AND 50),
    supplier_id        bigint NOT NULL REFERENCES suppliers (id),
    po_date            date NOT NULL,
    expected_delivery  date CHECK (expected_delivery >= po_date),
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'approved', 'ordered', 'partially_received', 'received',
                                         'closed', 'cancelled')),
    notes              text,
    created_by         bigint REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX purchase_orders_number_key ON purchase_orders (upper(po_number));
CREATE INDEX purchase_orders_date_idx ON purchase_orders (po_date DESC, id DESC);
CREATE INDEX purchase_orders_supplier_idx ON purchase_orders (supplier_id, po_date DESC);
CREATE INDEX purchase_orders_open_idx ON purchase_orders (status)
    WHERE status IN ('pending', 'approved', 'ordered', 'partially_received');
CREATE TRIGGER purchase_orders_updated_at BEFORE UPDATE ON purchase_orders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- PO-{id:06d} when no number is given: the identity value is already assigned in a BEFORE trigger.
CREATE FUNCTION purchase_orders_default_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.po_number IS NULL THEN
        NEW.po_number := 'PO-' || lpad(NEW.id::text, 6, '0');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER purchase_orders_number BEFORE INSERT ON purchase_orders
    FOR EACH ROW EXECUTE FUNCTION purchase_orders_default_number();

CREATE TABLE po_lines (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    po_id         bigint NOT NULL REFERENCES purchase_orders (id),
    item_id       bigint NOT NULL REFERENCES items (id),
    ordered_qty   numeric(18, 3) NOT NULL CHECK (ordered_qty > 0),
    unit_cost     numeric(18, 4) NOT NULL CHECK (unit_cost >= 0),
    received_qty  numeric(18, 3) NOT NULL DEFAULT 0 CHECK (received_qty >= 0 AND received_qty <= ordered_qty),
    line_total    numeric(20, 2) GENERATED ALWAYS AS (round(ordered_qty * unit_cost, 2)) STORED,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (po_id, item_id)
);
CREATE INDEX po_lines_item_idx ON po_lines (item_id);
CREATE TRIGGER po_lines_updated_at BEFORE UPDATE ON po_lines FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE lots (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id            bigint NOT NULL REFERENCES items (id),
    lot_number         text NOT NULL CHECK (length(lot_number) BETWEEN 1 AND 100),
    source             text NOT NULL CHECK (source IN ('manual', 'purchase', 'adjustment')),
    received_date      date NOT NULL,
    expiry_date        date CHECK (expiry_date >= received_date),
    quantity_received  numeric(18, 3) NOT NULL CHECK (quantity_received > 0),
    remaining_qty      numeric(18, 3) NOT NULL CHECK (remaining_qty >= 0 AND remaining_qty <= quantity_received),
    unit_cost          numeric(18, 4) NOT NULL CHECK (unit_cost >= 0),
    supplier_id        bigint REFERENCES suppliers (id),
    po_id              bigint REFERENCES purchase_orders (id),
    po_line_id         bigint REFERENCES po_lines (id),
    notes              text,
    created_by         bigint REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'purchase') = (po_line_id IS NOT NULL))
);
-- FIFO: the lots that still hold stock, in consumption order.
CREATE INDEX lots_fifo_idx ON lots (item_id, received_date, id) WHERE remaining_qty > 0;
-- last_purchase_price and the full lot list of an item.
CREATE INDEX lots_item_idx ON lots (item_id, received_date DESC, id DESC);
CREATE INDEX lots_expiry_idx ON lots (expiry_date, id) WHERE remaining_qty > 0 AND expiry_date IS NOT NULL;
CREATE INDEX lots_po_line_idx ON lots (po_line_id) WHERE po_line_id IS NOT NULL;
CREATE TRIGGER lots_updated_at BEFORE UPDATE ON lots FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE FUNCTION lots_default_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.lot_number IS NULL THEN
        NEW.lot_number := 'LOT-' || NEW.id::text;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER lots_number BEFORE INSERT ON lots FOR EACH ROW EXECUTE FUNCTION lots_default_number();

CREATE TABLE stock_ledger (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operation_id   bigint NOT NULL REFERENCES stock_operations (id),
    item_id        bigint NOT NULL REFERENCES items (id),
    lot_id         bigint NOT NULL REFERENCES lots (id),
    type           text NOT NULL CHECK (type IN ('add', 'purchase', 'use', 'adjust_in', 'adjust_out')),
    qty_change     numeric(18, 3) NOT NULL CHECK (qty_change <> 0),
    unit_cost      numeric(18, 4) NOT NULL CHECK (unit_cost >= 0),
    cost           numeric(20, 2) NOT NULL CHECK (cost >= 0 AND cost = round(abs(qty_change) * unit_cost, 2)),
    balance_after  numeric(18, 3) NOT NULL CHECK (balance_after >= 0),
    module_key     text NOT NULL REFERENCES modules (key),
    ref_line_id    bigint,
    tank_id        bigint,
    fish_batch_id  bigint,
    notes          text,
    occurred_at    timestamptz NOT NULL,
    created_by     bigint REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((type IN ('add', 'purchase', 'adjust_in')) = (qty_change > 0))
);
CREATE INDEX stock_ledger_item_idx ON stock_ledger (item_id, occurred_at DESC, id DESC);
CREATE INDEX stock_ledger_time_idx ON stock_ledger (occurred_at DESC, id DESC);
CREATE INDEX stock_ledger_operation_idx ON stock_ledger (operation_id);
CREATE INDEX stock_ledger_lot_idx ON stock_ledger (lot_id);
CREATE INDEX stock_ledger_module_use_idx ON stock_ledger (module_key, occurred_at) WHERE type = 'use';
CREATE TRIGGER stock_ledger_append_only BEFORE UPDATE OR DELETE ON stock_ledger
    FOR EACH ROW EXECUTE FUNCTION reject_change();

CREATE TABLE stock_adjustments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id       bigint NOT NULL REFERENCES items (id),
    type          text NOT NULL CHECK (type IN ('increase', 'decrease', 'recount')),
    quantity      numeric(18, 3) NOT NULL CHECK (quantity >= 0),
    qty_change    numeric(18, 3) NOT NULL,
    previous_qty  numeric(18, 3) NOT NULL CHECK (previous_qty >= 0),
    new_qty       numeric(18, 3) NOT NULL CHECK (new_qty >= 0 AND new_qty = previous_qty + qty_change),
    unit_cost     numeric(18, 4) CHECK (unit_cost >= 0),
    lot_id        bigint REFERENCES lots (id),
    reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 255),
    notes         text,
    operation_id  bigint NOT NULL REFERENCES stock_operations (id),
    created_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_adjustments_item_idx ON stock_adjustments (item_id, created_at DESC, id DESC);
CREATE INDEX stock_adjustments_time_idx ON stock_adjustments (created_at DESC, id DESC);

CREATE TABLE reservations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id         bigint NOT NULL REFERENCES items (id),
    quantity        numeric(18, 3) NOT NULL CHECK (quantity > 0),
    module_key      text NOT NULL CHECK (module_key IN ('inventory', 'biofloc')),
    external_ref    text CHECK (length(external_ref) <= 100),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'confirmed', 'cancelled', 'expired')),
    reserved_until  timestamptz NOT NULL,
    confirmed_at    timestamptz,
    cancelled_at    timestamptz,
    expired_at      timestamptz,
    operation_id    bigint REFERENCES stock_operations (id),
    notes           text,
    created_by      bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (created_at < reserved_until AND reserved_until <= created_at + interval '30 days'),
    CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL AND operation_id IS NOT NULL)),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CHECK ((status = 'expired') = (expired_at IS NOT NULL))
);
CREATE INDEX reservations_pending_idx ON reservations (item_id) WHERE status = 'pending';
CREATE INDEX reservations_due_idx ON reservations (reserved_until) WHERE status = 'pending';
CREATE INDEX reservations_item_idx ON reservations (item_id, created_at DESC, id DESC);
CREATE INDEX reservations_time_idx ON reservations (created_at DESC, id DESC);
CREATE TRIGGER reservations_updated_at BEFORE UPDATE ON reservations FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE po_receipts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    po_id         bigint NOT NULL REFERENCES purchase_orders (id),
    receipt_date  date NOT NULL,
    notes         text,
    operation_id  bigint NOT NULL REFERENCES stock_operations (id),
    created_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX po_receipts_po_idx ON po_receipts (po_id, id);

CREATE TABLE po_receipt_lines (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    receipt_id    bigint NOT NULL REFERENCES po_receipts (id),
    po_line_id    bigint NOT NULL REFERENCES po_lines (id),
    received_qty  numeric(18, 3) NOT NULL CHECK (received_qty > 0),
    po_unit_cost  numeric(18, 4) NOT NULL CHECK (po_unit_cost >= 0),
    unit_cost     numeric(18, 4) NOT NULL CHECK (unit_cost >= 0),
    lot_id        bigint NOT NULL REFERENCES lots (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (receipt_id, po_line_id)
);
CREATE INDEX po_receipt_lines_line_idx ON po_receipt_lines (po_line_id);

CREATE TABLE po_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    po_id        bigint NOT NULL REFERENCES purchase_orders (id),
    action       text NOT NULL CHECK (action IN ('created', 'updated', 'status_changed', 'line_added', 'line_updated',
                                                 'line_removed', 'received', 'duplicated')),
    from_status  text,
    to_status    text,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    user_id      bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX po_history_po_idx ON po_history (po_id, created_at DESC, id DESC);
CREATE TRIGGER po_history_append_only BEFORE UPDATE OR DELETE ON po_history
    FOR EACH ROW EXECUTE FUNCTION reject_change();

CREATE TABLE item_module_mappings (
    item_id     bigint NOT NULL REFERENCES items (id),
    module_key  text NOT NULL REFERENCES modules (key),
    is_primary  boolean NOT NULL DEFAULT false,
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, module_key)
);
CREATE INDEX item_module_mappings_module_idx ON item_module_mappings (module_key, item_id);
CREATE TRIGGER item_module_mappings_updated_at BEFORE UPDATE ON item_module_mappings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE FUNCTION check_mapping_grantable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM modules WHERE key = NEW.module_key AND grantable) THEN
        RAISE EXCEPTION 'module % is not grantable', NEW.module_key USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER item_module_mappings_grantable BEFORE INSERT OR UPDATE ON item_module_mappings
    FOR EACH ROW EXECUTE FUNCTION check_mapping_grantable();
