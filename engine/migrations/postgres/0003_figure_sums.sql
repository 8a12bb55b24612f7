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
    n            BIGINT NOT NULL,      -- how many figures
    met          BIGINT NOT NULL,      -- of them, meeting a share's condition
    with_value   BIGINT NOT NULL,      -- of them, with a value
    total        DOUBLE PRECISION NOT NULL,     -- the sum of their values
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

-- The row a figure counts in: a figure added puts itself in (`sign` 1), one removed takes
-- itself out (-1), one replaced does both.
CREATE FUNCTION lots_figure_count(f lots_figures, sign BIGINT) RETURNS void AS $$
    INSERT INTO lots_figure_sums
        (opened_month, closed_month, unit, indicator, c0, c1, c2, c3, n, met, with_value, total)
    VALUES (COALESCE(SUBSTR(f.opened_on, 1, 7), ''), COALESCE(SUBSTR(f.closed_on, 1, 7), ''),
            f.unit, f.indicator, f.c0, f.c1, f.c2, f.c3, sign, sign * COALESCE(f.met, 0),
            CASE WHEN f.value IS NULL THEN 0 ELSE sign END, sign * COALESCE(f.value, 0))
    ON CONFLICT (opened_month, closed_month, unit, indicator, c0, c1, c2, c3)
    DO UPDATE SET n = lots_figure_sums.n + excluded.n, met = lots_figure_sums.met + excluded.met,
                  with_value = lots_figure_sums.with_value + excluded.with_value,
                  total = lots_figure_sums.total + excluded.total;
$$ LANGUAGE sql;

CREATE FUNCTION lots_figure_moved() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
        IF OLD.included = 1 THEN
            PERFORM lots_figure_count(OLD, -1);
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' OR TG_OP = 'INSERT' THEN
        IF NEW.included = 1 THEN
            PERFORM lots_figure_count(NEW, 1);
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lots_figure_moved AFTER INSERT OR UPDATE OR DELETE ON lots_figures
    FOR EACH ROW EXECUTE FUNCTION lots_figure_moved();
