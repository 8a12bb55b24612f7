-- Lots store, version 2: indicator figures. Released: never edit this file; add a new migration.
-- One row per case and indicator, replaced on every append (the projection a report sums, so a
-- report never replays a case). Dates are the events' days, ISO 8601 text (YYYY-MM-DD), which
-- order as text. `c0` is the gender category, `c1`..`c3` the indicator's breakdowns ('' when
-- it has fewer). No column holds a sensitive fact or an actor.

CREATE TABLE lots_figures (
    case_id   TEXT NOT NULL REFERENCES lots_cases (case_id),
    indicator TEXT NOT NULL,
    version   INTEGER NOT NULL,      -- of the indicator definition the figure was made under
    workflow  TEXT NOT NULL,
    unit      TEXT NOT NULL,
    opened_on TEXT,
    closed_on TEXT,
    included  INTEGER NOT NULL,      -- 1 when the case meets the population condition
    c0        TEXT NOT NULL,
    c1        TEXT NOT NULL,
    c2        TEXT NOT NULL,
    c3        TEXT NOT NULL,
    met       INTEGER,               -- a share: 1 when the case meets the condition
    value     REAL,              -- a mean, median or days between two events
    PRIMARY KEY (case_id, indicator)
);
-- Covering indexes: a report's sums read the index alone, never the table (a year of a large
-- store is hundreds of thousands of figures per indicator).
CREATE INDEX lots_figures_opened
    ON lots_figures (indicator, opened_on, included, c0, c1, c2, c3, met, value, closed_on);
CREATE INDEX lots_figures_closed
    ON lots_figures (indicator, closed_on, included, c0, c1, c2, c3, met, value, opened_on);

-- The indicators whose figures every stored case has (made at the first report after the
-- indicator appeared; appends keep them). A report makes the figures of the others first.
CREATE TABLE lots_figures_complete (
    indicator TEXT PRIMARY KEY
);
