//! Reporting periods: a month (`2026-10`), a tertial (`2026-T3`), a year (`2026`) or a date
//! range (`2026-01-01..2026-06-30`), each a closed range of days, with the periods before it
//! for the trend and a Swedish label.

use std::fmt;

use jiff::civil::Date;

/// A reporting period: the days `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// What kind of period.
    pub kind: Kind,
    /// The first day.
    pub first: Date,
    /// The last day (inclusive).
    pub last: Date,
}

/// The kind of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A calendar month.
    Month,
    /// January–April, May–August or September–December.
    Tertial,
    /// A calendar year.
    Year,
    /// Any range of days.
    Range,
}

/// Why a period could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a period: {problem}; write a month `2026-10`, a tertial `2026-T3`, a year `2026` or days `2026-01-01..2026-06-30`"
)]
pub struct BadPeriod {
    /// What was given (a period is never sensitive).
    pub text: String,
    /// What is wrong.
    pub problem: String,
}

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// The Swedish name of a day's month.
fn month_name(d: Date) -> &'static str {
    MONTHS
        .get(usize::try_from(d.month() - 1).unwrap_or(0))
        .copied()
        .unwrap_or("")
}

/// The years a period may fall in (the calendar's range).
const YEARS: std::ops::RangeInclusive<i16> =
    crate::model::calendar::FIRST_YEAR..=crate::model::calendar::LAST_YEAR;

impl Period {
    /// Reads a period as the CLI and the server take it.
    pub fn parse(text: &str) -> Result<Period, BadPeriod> {
        let bad = |problem: &str| BadPeriod {
            text: text.chars().take(40).collect(),
            problem: problem.to_owned(),
        };
        let t = text.trim();
        if let Some((a, b)) = t.split_once("..") {
            let first: Date = a
                .trim()
                .parse()
                .map_err(|_| bad("the first day is not a date"))?;
            let last: Date = b
                .trim()
                .parse()
                .map_err(|_| bad("the last day is not a date"))?;
            if last < first {
                return Err(bad("the last day is before the first"));
            }
            if !YEARS.contains(&first.year()) || !YEARS.contains(&last.year()) {
                return Err(bad("the days are outside the calendar's years"));
            }
            return Ok(Period {
                kind: Kind::Range,
                first,
                last,
            });
        }
        let year = |y: &str| -> Result<i16, BadPeriod> {
            if y.len() != 4 {
                return Err(bad("write the year with four digits"));
            }
            let y: i16 = y.parse().map_err(|_| bad("the year is not a number"))?;
            if YEARS.contains(&y) {
                Ok(y)
            } else {
                Err(bad("the year is outside the calendar's years"))
            }
        };
        match t.split_once('-') {
            None => Period::of_year(year(t)?).ok_or_else(|| bad("no such year")),
            Some((y, rest)) => {
                let y = year(y)?;
                if let Some(n) = rest.strip_prefix(['T', 't']) {
                    let n: i8 = n.parse().map_err(|_| bad("a tertial is T1, T2 or T3"))?;
                    Period::tertial(y, n).ok_or_else(|| bad("a tertial is T1, T2 or T3"))
                } else {
                    let m: i8 = rest.parse().map_err(|_| bad("the month is not a number"))?;
                    Period::month(y, m).ok_or_else(|| bad("a month is 01 to 12"))
                }
            }
        }
    }

    /// A calendar month.
    pub fn month(year: i16, month: i8) -> Option<Period> {
        let first = Date::new(year, month, 1).ok()?;
        Some(Period {
            kind: Kind::Month,
            first,
            last: first.last_of_month(),
        })
    }

    /// A tertial (1, 2 or 3) of a year.
    pub fn tertial(year: i16, n: i8) -> Option<Period> {
        if !(1..=3).contains(&n) {
            return None;
        }
        let first = Date::new(year, (n - 1) * 4 + 1, 1).ok()?;
        let last = Date::new(year, n * 4, 1).ok()?.last_of_month();
        Some(Period {
            kind: Kind::Tertial,
            first,
            last,
        })
    }

    /// A calendar year.
    pub fn of_year(year: i16) -> Option<Period> {
        Some(Period {
            kind: Kind::Year,
            first: Date::new(year, 1, 1).ok()?,
            last: Date::new(year, 12, 31).ok()?,
        })
    }

    /// The period of the same kind just before this one (a range: as many days, ending the
    /// day before). `None` before the calendar's first year.
    pub fn previous(&self) -> Option<Period> {
        let p = match self.kind {
            Kind::Month => {
                let d = self.first.yesterday().ok()?;
                Period::month(d.year(), d.month())?
            }
            Kind::Tertial => {
                let d = self.first.yesterday().ok()?;
                Period::tertial(d.year(), (d.month() - 1) / 4 + 1)?
            }
            Kind::Year => Period::of_year(self.first.year().checked_sub(1)?)?,
            Kind::Range => {
                let days = self.first.until(self.last).ok()?.get_days();
                let last = self.first.yesterday().ok()?;
                let first = last.checked_sub(jiff::Span::new().days(days)).ok()?;
                Period {
                    kind: Kind::Range,
                    first,
                    last,
                }
            }
        };
        YEARS.contains(&p.first.year()).then_some(p)
    }

    /// This period and up to `earlier` periods before it, oldest first.
    pub fn with_earlier(&self, earlier: usize) -> Vec<Period> {
        let mut all = vec![*self];
        while all.len() <= earlier {
            let Some(p) = all.last().and_then(Period::previous) else {
                break;
            };
            all.push(p);
        }
        all.reverse();
        all
    }

    /// How many earlier periods a results board shows by default: half a year of months, a
    /// year of tertials, three years (as the documents' own tables do).
    pub fn default_trend(&self) -> usize {
        match self.kind {
            Kind::Month => 5,
            Kind::Tertial | Kind::Year | Kind::Range => 2,
        }
    }

    /// Whether a day falls in the period.
    pub fn contains(&self, day: Date) -> bool {
        self.first <= day && day <= self.last
    }

    /// The year residents are counted for (the year of the last day).
    pub fn year(&self) -> i16 {
        self.last.year()
    }

    /// The period as the CLI takes it: `2026-10`, `2026-T3`, `2026`, `2026-01-01..2026-06-30`.
    pub fn code(&self) -> String {
        match self.kind {
            Kind::Month => format!("{:04}-{:02}", self.first.year(), self.first.month()),
            Kind::Tertial => format!(
                "{:04}-T{}",
                self.first.year(),
                (self.first.month() - 1) / 4 + 1
            ),
            Kind::Year => format!("{:04}", self.first.year()),
            Kind::Range => format!("{}..{}", self.first, self.last),
        }
    }

    /// A short Swedish label for a board: `okt 2026`, `T3 2026`, `2026`, `1 jan–30 jun 2026`.
    pub fn short_label(&self) -> String {
        let month = |d: Date| {
            let m = month_name(d);
            m.get(..3).unwrap_or(m)
        };
        match self.kind {
            Kind::Month => format!("{} {}", month(self.first), self.first.year()),
            Kind::Tertial => format!(
                "T{} {}",
                (self.first.month() - 1) / 4 + 1,
                self.first.year()
            ),
            Kind::Year => self.first.year().to_string(),
            Kind::Range => format!("{}–{}", self.first, self.last),
        }
    }
}

impl fmt::Display for Period {
    /// The full Swedish label: `oktober 2026`, `tertial 3 2026` (september–december), `2026`,
    /// `2026-01-01–2026-06-30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = month_name;
        match self.kind {
            Kind::Month => write!(f, "{} {}", month(self.first), self.first.year()),
            Kind::Tertial => write!(
                f,
                "tertial {} {} ({}–{})",
                (self.first.month() - 1) / 4 + 1,
                self.first.year(),
                month(self.first),
                month(self.last)
            ),
            Kind::Year => write!(f, "{}", self.first.year()),
            Kind::Range => write!(f, "{}–{}", self.first, self.last),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_and_step_back() {
        let p = Period::parse("2026-10").unwrap();
        assert_eq!(
            (p.first.to_string(), p.last.to_string()),
            ("2026-10-01".into(), "2026-10-31".into())
        );
        assert_eq!(p.previous().unwrap().code(), "2026-09");
        let t = Period::parse("2026-T1").unwrap();
        assert_eq!(t.last.to_string(), "2026-04-30");
        assert_eq!(t.previous().unwrap().code(), "2025-T3");
        assert_eq!(
            Period::parse("2024").unwrap().last.to_string(),
            "2024-12-31"
        );
        let r = Period::parse("2026-01-01..2026-01-10").unwrap();
        assert_eq!(r.previous().unwrap().code(), "2025-12-22..2025-12-31");
        assert_eq!(
            Period::parse("2026-03")
                .unwrap()
                .with_earlier(2)
                .iter()
                .map(Period::code)
                .collect::<Vec<_>>(),
            ["2026-01", "2026-02", "2026-03"]
        );
        for bad in [
            "2026-13",
            "2026-T4",
            "26",
            "2026-02-30..2026-03-01",
            "2026-05-01..2026-04-01",
            "x",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Period::parse("2026-T3").unwrap().to_string(),
            "tertial 3 2026 (september–december)"
        );
    }
}
