-- The default purchase-order number is PO- and the id with at least six digits. lpad(id, 6) also cut longer ids
-- to their first six digits, so PO 1,234,567 got the number of PO 123,456 (and its insert failed as a duplicate).
CREATE OR REPLACE FUNCTION purchase_orders_default_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.po_number IS NULL THEN
        NEW.po_number := 'PO-' || lpad(NEW.id::text, greatest(6, length(NEW.id::text)), '0');
    END IF;
    RETURN NEW;
END $$;
