//! The Swedish working-day calendar: which days are public holidays, which days are working
//! days, and how deadlines counted in calendar days or working days move across them.
//!
//! The holidays are computed here, not read from anywhere: the allmänna helgdagar of lag
//! (1989:253) om allmänna helgdagar (with första maj, which that law puts on the same footing),
//! and the three days that lag (1930:173) om beräkning av lagstadgad tid treats like a holiday
//! although no law makes them one: midsommarafton, julafton and nyårsafton. Easter is found with
//! the anonymous Gregorian computus (Meeus/Jones/Butcher).
//!
//! The rules are the ones in force since 2005 (when Sveriges nationaldag became a holiday and
//! annandag pingst stopped being one) and they are applied to every year in
//! [`FIRST_YEAR`]`..=`[`LAST_YEAR`]; earlier years are therefore not historically exact. Outside
//! that range the calendar knows no holidays: only Saturdays and Sundays are non-working days.
//!
//! This module knows nothing of what a deadline is for, of time zones or of the current date:
//! no IO, no clock, and no state but a memo of each year's holiday dates (a pure function of
//! the year, computed once). Every function is total: date arithmetic that would leave
//! the range of [`Date`] saturates at [`Date::MIN`] or [`Date::MAX`] instead of failing.

use std::sync::OnceLock;

use jiff::Span;
use jiff::civil::{Date, Weekday};

use crate::syntax::DayCount;

/// The first year for which holidays are computed.
pub const FIRST_YEAR: i16 = 1900;

/// The last year for which holidays are computed.
pub const LAST_YEAR: i16 = 2200;

/// One holiday: a public holiday or a day that is not a working day in practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    /// The day.
    pub date: Date,
    /// The Swedish name, as written in running text (`"juldagen"`, `"Kristi himmelsfärdsdag"`).
    pub name: &'static str,
    /// Whether the law makes it a holiday or only practice does.
    pub kind: HolidayKind,
}

/// Why a holiday is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolidayKind {
    /// An allmän helgdag under lag (1989:253), or första maj, which that law treats as one.
    PublicHoliday,
    /// Not a holiday in law, but not a working day for authorities and banks: midsommarafton,
    /// julafton and nyårsafton (lag (1930:173) om beräkning av lagstadgad tid, 2 §).
    DeFactoHoliday,
}

/// The holidays of `year`, sorted by date.
///
/// Two holidays can fall on the same day (Kristi himmelsfärdsdag on första maj in 2008,
/// pingstdagen on Sveriges nationaldag in 2049); both are listed, the one that moves with Easter
/// first. Sundays are not listed although the law counts every Sunday as a holiday.
/// Empty for a year outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
pub fn holidays(year: i16) -> Vec<Holiday> {
    let mut list = year_holidays(year).map_or_else(Vec::new, |table| table.to_vec());
    list.sort_by_key(|holiday| holiday.date);
    list
}

/// Whether `date` is a working day: not a Saturday or Sunday, and not a public or de-facto
/// holiday. Outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`] only weekends are non-working days.
pub fn is_working_day(date: Date) -> bool {
    YearCache::default().is_working_day(date)
}

/// The `n`-th working day after `date`. With `n = 0`: `date` itself if it is a working day,
/// else the next working day.
///
/// Saturates at [`Date::MAX`] if the count would run past it.
pub fn add_working_days(date: Date, n: u32) -> Date {
    let mut cache = YearCache::default();
    let mut current = date;
    if n == 0 {
        while !cache.is_working_day(current) {
            match current.tomorrow() {
                Ok(next) => current = next,
                Err(_) => return current,
            }
        }
        return current;
    }
    let mut remaining = n;
    loop {
        match current.tomorrow() {
            Ok(next) => current = next,
            Err(_) => return current,
        }
        if cache.is_working_day(current) {
            remaining = remaining.saturating_sub(1);
            if remaining == 0 {
                return current;
            }
        }
    }
}

/// The date `n` calendar days after `date`, saturating at [`Date::MAX`].
pub fn add_calendar_days(date: Date, n: u32) -> Date {
    match Span::new().try_days(i64::from(n)) {
        Ok(span) => date.saturating_add(span),
        Err(_) => Date::MAX,
    }
}

/// The number of working days `d` with `from < d <= to`; when `to` is before `from`, the same
/// count from `to` to `from`, negated. Zero when they are equal.
///
/// For every `n > 0`, `working_days_between(from, add_working_days(from, n)) == n` (unless
/// [`add_working_days`] saturated).
pub fn working_days_between(from: Date, to: Date) -> i64 {
    if to < from {
        return -count_working_days(to, from);
    }
    count_working_days(from, to)
}

/// A length of time as lag (1930:173) om beräkning av lagstadgad tid counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Calendar days.
    Days(u32),
    /// Working days: days that are not a Saturday, Sunday, public holiday, midsommarafton,
    /// julafton or nyårsafton.
    WorkingDays(u32),
    /// Weeks: the same weekday N weeks later.
    Weeks(u32),
    /// Months: the same date N months later, or that month's last day when it has no such date
    /// (1 §).
    Months(u32),
}

/// The legal concept of lag (1930:173) om beräkning av lagstadgad tid 2 §, cited when a due
/// date rolls forward.
pub const LEGAL_CONCEPT: &str = "time.computation.roll_forward";

/// The unit a length counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Calendar days.
    Days,
    /// Working days.
    WorkingDays,
    /// Weeks.
    Weeks,
    /// Months.
    Months,
}

impl Unit {
    /// `n` of this unit.
    pub fn of(self, n: u32) -> Length {
        match self {
            Unit::Days => Length::Days(n),
            Unit::WorkingDays => Length::WorkingDays(n),
            Unit::Weeks => Length::Weeks(n),
            Unit::Months => Length::Months(n),
        }
    }

    /// How days before or after a date in this unit are counted: working days for a
    /// working-day length, calendar days otherwise (for reminders and extensions).
    pub fn day_count(self) -> DayCount {
        match self {
            Unit::WorkingDays => DayCount::WorkingDays,
            Unit::Days | Unit::Weeks | Unit::Months => DayCount::CalendarDays,
        }
    }

    /// The unit's name in the file format, for explanations.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Days => "days",
            Unit::WorkingDays => "working days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
        }
    }
}

/// The last day of a time limit of `length` that starts on `start` (1 §), before any roll
/// forward: 2026-01-31 plus one month is 2026-02-28. Saturates at [`Date::MAX`].
pub fn last_day(start: Date, length: Length) -> Date {
    let span = match length {
        Length::Days(n) => return add_calendar_days(start, n),
        Length::WorkingDays(n) => return add_working_days(start, n),
        Length::Weeks(n) => Span::new().try_weeks(i64::from(n)),
        // jiff keeps the day of the month and clamps it to the month's last day, as 1 § does.
        Length::Months(n) => Span::new().try_months(i64::from(n)),
    };
    span.ok()
        .and_then(|s| start.checked_add(s).ok())
        .unwrap_or(Date::MAX)
}

/// The day a time limit whose last day is `date` may still be met (2 §): `date` itself when it
/// is a working day, otherwise the next working day (past a Saturday, Sunday, public holiday,
/// midsommarafton, julafton or nyårsafton). 2025-11-01 (alla helgons dag, a Saturday) rolls to
/// Monday 2025-11-03.
pub fn roll_forward(date: Date) -> Date {
    add_working_days(date, 0)
}

/// [`add_calendar_days`] or [`add_working_days`], as `count` says.
pub fn add_days(date: Date, n: u32, count: DayCount) -> Date {
    match count {
        DayCount::CalendarDays => add_calendar_days(date, n),
        DayCount::WorkingDays => add_working_days(date, n),
    }
}

/// The number of days from `from` to `to` counted as `count` says: for calendar days the plain
/// difference, for working days [`working_days_between`]. Negative when `to` is before `from`.
pub fn days_between(from: Date, to: Date, count: DayCount) -> i64 {
    match count {
        DayCount::CalendarDays => from.duration_until(to).as_hours() / 24,
        DayCount::WorkingDays => working_days_between(from, to),
    }
}

/// How many holidays a year has (13 public, 3 de facto).
const HOLIDAYS_PER_YEAR: usize = 16;

/// The holiday dates of each year in [`FIRST_YEAR`]`..=`[`LAST_YEAR`], each computed the first
/// time a date in its year is asked about and kept for the life of the process. A memo, not
/// state: a year's holidays are a pure function of the year, so what is computed does not
/// depend on when or by whom (a deadline on every event once recomputed the year's Easter).
static YEARS: [OnceLock<Option<[Date; HOLIDAYS_PER_YEAR]>>; N_YEARS] =
    [const { OnceLock::new() }; N_YEARS];

/// How many years [`YEARS`] holds.
const N_YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// The holiday dates of `year` (`None` outside the supported range), from [`YEARS`].
fn year_dates(year: i16) -> Option<&'static [Date; HOLIDAYS_PER_YEAR]> {
    let idx = usize::try_from(year.checked_sub(FIRST_YEAR)?).ok()?;
    YEARS
        .get(idx)?
        .get_or_init(|| year_holidays(year).map(|table| table.map(|holiday| holiday.date)))
        .as_ref()
}

/// The holidays of one year, remembered while a loop walks through it, so that the memo is
/// read once per year instead of once per day.
#[derive(Default)]
struct YearCache {
    /// The year held, with its holiday dates (`None` outside the supported range).
    held: Option<(i16, Option<&'static [Date; HOLIDAYS_PER_YEAR]>)>,
}

impl YearCache {
    /// Whether `date` is a working day, looking its year's holidays up if they are not held.
    fn is_working_day(&mut self, date: Date) -> bool {
        if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return false;
        }
        let year = date.year();
        let table = match self.held {
            Some((held_year, table)) if held_year == year => table,
            _ => {
                let table = year_dates(year);
                self.held = Some((year, table));
                table
            }
        };
        !table.is_some_and(|table| table.contains(&date))
    }
}

/// Counts the working days `d` with `from < d <= to` (zero when `to <= from`).
fn count_working_days(from: Date, to: Date) -> i64 {
    let mut cache = YearCache::default();
    let mut count = 0;
    let mut current = from;
    while current < to {
        match current.tomorrow() {
            Ok(next) => current = next,
            Err(_) => break,
        }
        if cache.is_working_day(current) {
            count += 1;
        }
    }
    count
}

/// The holidays of `year`, unsorted (but the one that moves with Easter before a fixed one that
/// can fall on the same day, which [`holidays`] relies on); `None` outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
fn year_holidays(year: i16) -> Option<[Holiday; HOLIDAYS_PER_YEAR]> {
    use HolidayKind::{DeFactoHoliday, PublicHoliday};

    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return None;
    }
    let day = |month: i8, day: i8| Date::new(year, month, day).ok();
    let easter = easter_sunday(year)?;
    let after_easter = |days: i64| easter.checked_add(Span::new().days(days)).ok();
    // The Saturday in 20–26 June and in 31 October–6 November.
    let midsummer_day = day(6, 19)?.nth_weekday(1, Weekday::Saturday).ok()?;
    let all_saints_day = day(10, 30)?.nth_weekday(1, Weekday::Saturday).ok()?;
    let holiday = |date: Date, name: &'static str, kind: HolidayKind| Holiday { date, name, kind };
    Some([
        holiday(day(1, 1)?, "nyårsdagen", PublicHoliday),
        holiday(day(1, 6)?, "trettondedag jul", PublicHoliday),
        holiday(after_easter(-2)?, "långfredagen", PublicHoliday),
        holiday(easter, "påskdagen", PublicHoliday),
        holiday(after_easter(1)?, "annandag påsk", PublicHoliday),
        holiday(after_easter(39)?, "Kristi himmelsfärdsdag", PublicHoliday),
        holiday(day(5, 1)?, "första maj", PublicHoliday),
        holiday(after_easter(49)?, "pingstdagen", PublicHoliday),
        holiday(day(6, 6)?, "Sveriges nationaldag", PublicHoliday),
        holiday(
            midsummer_day.yesterday().ok()?,
            "midsommarafton",
            DeFactoHoliday,
        ),
        holiday(midsummer_day, "midsommardagen", PublicHoliday),
        holiday(all_saints_day, "alla helgons dag", PublicHoliday),
        holiday(day(12, 24)?, "julafton", DeFactoHoliday),
        holiday(day(12, 25)?, "juldagen", PublicHoliday),
        holiday(day(12, 26)?, "annandag jul", PublicHoliday),
        holiday(day(12, 31)?, "nyårsafton", DeFactoHoliday),
    ])
}

/// Easter Sunday of a Gregorian `year`, by the anonymous Gregorian computus
/// (Meeus/Jones/Butcher). Meant for positive years; `None` only if the result is not a date.
fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = i8::try_from(n.div_euclid(31)).ok()?;
    let day = i8::try_from(n.rem_euclid(31) + 1).ok()?;
    Date::new(year, month, day).ok()
}
