-- Lots store, version 3: the figures summed by month. Released: never edit this file; add a new
-- migration. A report of whole months (a month, a tertial, a year, a range of whole months) sums
-- these rows instead of every case's figure: one row per month opened, month closed, unit,
-- indicator and categories, holding how many included figures have them, how many of those
-- meet a share's condition, how many have a value and the sum of the values (a median, which
-- needs each value, reads the figures). Triggers keep the rows in step with `lots_figures`,
-- whatever writes it (an append, a refresh, an operator's DELETE): a figure written takes its
-- old self out of its row and puts its new self in, in the same transaction; a row may fall to
-- zero and stay. The months lead the key, so the rows of one case's figures lie together.
-- Months are the first seven characters of the figures' days ('YYYY-MM'), '' for no day. No
-- column holds a sensitive fact, an actor or a case.

CREATE TABLE lots_figure_sums (
    opened_month TEXT NOT NULL,
    closed_month TEXT NOT NULL,
    unit         TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    c0           TEXT NOT NULL,
    c1           TEXT NOT NULL,
    c2           TEXT NOT NULL,
    c3           TEXT NOT NULL,
    n            INTEGER NOT NULL,      -- how many figures
    met          INTEGER NOT NULL,      -- of them, meeting a share's condition
    with_value   INTEGER NOT NULL,      -- of them, with a value
    total        REAL NOT NULL,     -- the sum of their values
    PRIMARY KEY (opened_month, closed_month, unit, indicator, c0, c1, c2, c3)
);
CREATE INDEX lots_figure_sums_opened ON lots_figure_sums (indicator, opened_month);
CREATE INDEX lots_figure_sums_closed ON lots_figure_sums (indicator, closed_month);

INSERT INTO lots_figure_sums
    (opened_month, closed_month, unit, indicator, c0, c1, c2, c3, n, met, with_value, total)
SELECT COALESCE(SUBSTR(opened_on, 1, 7), ''), COALESCE(SUBSTR(closed_on, 1, 7), ''), unit,
       indicator, c0, c1, c2, c3, COUNT(*), COALESCE(SUM(COALESCE(met, 0)), 0), COUNT(value),
       COALESCE(SUM(value), 0)
FROM lots_figures
WHERE included = 1
GROUP BY COALESCE(SUBSTR(opened_on, 1, 7), ''), COALESCE(SUBSTR(closed_on, 1, 7), ''), unit,
         indicator, c0, c1, c2, c3;

-- The row a figure counts in: a figure added puts itself in, one removed takes itself out, one
-- replaced does both.
CREATE TRIGGER lots_figure_added AFTER INSERT ON lots_figures WHEN NEW.included = 1
BEGIN
    INSERT INTO lots_figure_sums
        (opened_month, closed_month, unit, indicator, c0, c1, c2, c3, n, met, with_value, total)
    VALUES (COALESCE(SUBSTR(NEW.opened_on, 1, 7), ''), COALESCE(SUBSTR(NEW.closed_on, 1, 7), ''),
            NEW.unit, NEW.indicator, NEW.c0, NEW.c1, NEW.c2, NEW.c3, 1,
            COALESCE(NEW.met, 0), (NEW.value IS NOT NULL), COALESCE(NEW.value, 0))
    ON CONFLICT (opened_month, closed_month, unit, indicator, c0, c1, c2, c3)
    DO UPDATE SET n = n + excluded.n, met = met + excluded.met,
                  with_value = with_value + excluded.with_value, total = total + excluded.total;
END;

CREATE TRIGGER lots_figure_removed AFTER DELETE ON lots_figures WHEN OLD.included = 1
BEGIN
    INSERT INTO lots_figure_sums
        (opened_month, closed_month, unit, indicator, c0, c1, c2, c3, n, met, with_value, total)
    VALUES (COALESCE(SUBSTR(OLD.opened_on, 1, 7), ''), COALESCE(SUBSTR(OLD.closed_on, 1, 7), ''),
            OLD.unit, OLD.indicator, OLD.c0, OLD.c1, OLD.c2, OLD.c3, -1,
            -COALESCE(OLD.met, 0), -(OLD.value IS NOT NULL), -COALESCE(OLD.value, 0))
    ON CONFLICT (opened_month, closed_month, unit, indicator, c0, c1, c2, c3)
    DO UPDATE SET n = n + excluded.n, met = met + excluded.met,
                  with_value = with_value + excluded.with_value, total = total + excluded.total;
END;

CREATE TRIGGER lots_figure_replaced_old AFTER UPDATE ON lots_figures WHEN OLD.included = 1
BEGIN
    INSERT INTO lots_figure_sums
        (opened_month, closed_month, unit, indicator, c0, c1, c2, c3, n, met, with_value, total)
    VALUES (COALESCE(SUBSTR(OLD.opened_on, 1, 7), ''), COALESCE(SUBSTR(OLD.closed_on, 1, 7), ''),
            OLD.unit, OLD.indicator, OLD.c0, OLD.c1, OLD.c2, OLD.c3, -1,
            -COALESCE(OLD.met, 0), -(OLD.value IS NOT NULL), -COALESCE(OLD.value, 0))
    ON CONFLICT (opened_month, closed_month, unit, indicator, c0, c1, c2, c3)
    DO UPDATE SET n = n + excluded.n, met = met + excluded.met,
                  with_value = with_value + excluded.with_value, total = total + excluded.total;
END;

CREATE TRIGGER lots_figure_replaced_new AFTER UPDATE ON lots_figures WHEN NEW.included = 1
BEGIN
    INSERT INTO lots_figure_sums
        (opened_month, closed_month, unit, indicator, c0, c1, c2, c3, n, met, with_value, total)
    VALUES (COALESCE(SUBSTR(NEW.opened_on, 1, 7), ''), COALESCE(SUBSTR(NEW.closed_on, 1, 7), ''),
            NEW.unit, NEW.indicator, NEW.c0, NEW.c1, NEW.c2, NEW.c3, 1,
            COALESCE(NEW.met, 0), (NEW.value IS NOT NULL), COALESCE(NEW.value, 0))
    ON CONFLICT (opened_month, closed_month, unit, indicator, c0, c1, c2, c3)
    DO UPDATE SET n = n + excluded.n, met = met + excluded.met,
                  with_value = with_value + excluded.with_value, total = total + excluded.total;
END;
