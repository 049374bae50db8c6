-- The feeding list's order (newest day first, then the later session, then the newest row) as one index. The old
-- index stopped at the day, so a page read and sorted every feeding of its first day (a farm with 200 tanks feeding
-- twice a day: 400 rows for a 50-row page). The new index starts with the day as well, so date ranges keep it.
CREATE INDEX feedings_order_idx ON feedings (feeding_date DESC, session_number DESC, id DESC);
DROP INDEX feedings_date_idx;
