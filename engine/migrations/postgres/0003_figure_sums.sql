-- Lots store, version 3: the figures summed by month. Released: never edit this file; add a new
-- migration. A report of whole months (a month, a tertial, a year, a range of whole months) sums
-- these rows instead of every case's figure: one row per indicator, month opened, month closed,
-- unit, categories and value, holding how many included figures have them and how many of those
-- meet a share's condition. An append adjusts them by the figures it changes (the old one out,
-- the new one in), in the same transaction; a row may fall to zero and stay. Months are the
-- first seven characters of the figures' days ('YYYY-MM'), '' for no day. No column holds a
-- sensitive fact, an actor or a case.

CREATE TABLE lots_figure_sums (
    indicator    TEXT NOT NULL,
    opened_month TEXT NOT NULL,
    closed_month TEXT NOT NULL,
    unit         TEXT NOT NULL,
    c0           TEXT NOT NULL,
    c1           TEXT NOT NULL,
    c2           TEXT NOT NULL,
    c3           TEXT NOT NULL,
    has_value    BIGINT NOT NULL,      -- 1 when the figures have a value
    value        DOUBLE PRECISION NOT NULL,     -- their value (0 without one)
    n            BIGINT NOT NULL,      -- how many figures
    met          BIGINT NOT NULL,      -- of them, meeting a share's condition
    PRIMARY KEY (indicator, opened_month, closed_month, unit, c0, c1, c2, c3, has_value, value)
);
CREATE INDEX lots_figure_sums_closed ON lots_figure_sums (indicator, closed_month);

INSERT INTO lots_figure_sums
    (indicator, opened_month, closed_month, unit, c0, c1, c2, c3, has_value, value, n, met)
SELECT indicator, COALESCE(SUBSTR(opened_on, 1, 7), ''), COALESCE(SUBSTR(closed_on, 1, 7), ''),
       unit, c0, c1, c2, c3, CASE WHEN value IS NULL THEN 0 ELSE 1 END, COALESCE(value, 0),
       COUNT(*), COALESCE(SUM(COALESCE(met, 0)), 0)
FROM lots_figures
WHERE included = 1
GROUP BY indicator, COALESCE(SUBSTR(opened_on, 1, 7), ''), COALESCE(SUBSTR(closed_on, 1, 7), ''),
         unit, c0, c1, c2, c3, CASE WHEN value IS NULL THEN 0 ELSE 1 END, COALESCE(value, 0);
