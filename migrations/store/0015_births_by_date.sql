-- Lohusa local store, version 15: births by date. The Today list and the coverage table read
-- only the mothers whose latest birth puts a window near today (or in the month) through this
-- index, instead of every mother ever registered.
CREATE INDEX births_by_date ON births (birth_date, mother_id);
