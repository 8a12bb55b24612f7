//! The Swedish working-day calendar against an almanac table written by hand:
//! `tests/data/calendar/holidays.csv` (every holiday of some years) and
//! `tests/data/calendar/working_days.csv` (working-day additions across holidays).
//!
//! The test crate does not depend on jiff, so dates are parsed with the type inferred from the
//! calendar function they are passed to, and compared as ISO 8601 text.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::str::FromStr;

use lots::model::calendar::{
    FIRST_YEAR, HolidayKind, LAST_YEAR, add_calendar_days, add_days, add_working_days,
    days_between, holidays, is_working_day, working_days_between,
};
use lots::syntax::DayCount;

/// The years the almanac table must cover.
const REQUIRED_YEARS: [i16; 5] = [2024, 2025, 2026, 2027, 2030];

/// A holiday as text: date, name, kind (`public` or `de_facto`).
type Row = (String, String, String);

/// The rows of a CSV data file (header checked and dropped), each split into `columns` fields;
/// the last field keeps any further commas.
fn csv(file: &str, header: &str, columns: usize) -> Vec<Vec<String>> {
    let path = format!("{}/data/calendar/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{path}: header");
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<String> = line.splitn(columns, ',').map(str::to_owned).collect();
            assert_eq!(fields.len(), columns, "{path}: {line}");
            fields
        })
        .collect()
}

/// Parses a date (or anything else) whose type the caller's use decides.
fn parse<T: FromStr>(text: &str) -> T
where
    T::Err: Debug,
{
    text.parse().unwrap()
}

/// The kind as written in the table.
fn kind_text(kind: HolidayKind) -> &'static str {
    match kind {
        HolidayKind::PublicHoliday => "public",
        HolidayKind::DeFactoHoliday => "de_facto",
    }
}

/// The almanac table, by year, in file order.
fn almanac() -> BTreeMap<i16, Vec<Row>> {
    let mut years: BTreeMap<i16, Vec<Row>> = BTreeMap::new();
    for fields in csv("holidays.csv", "date,name,kind", 3) {
        let [date, name, kind] = <[String; 3]>::try_from(fields).unwrap();
        let year: i16 = parse(date.get(..4).unwrap());
        years.entry(year).or_default().push((date, name, kind));
    }
    years
}

/// The calendar's holidays of `year`, as table rows.
fn computed(year: i16) -> Vec<Row> {
    holidays(year)
        .into_iter()
        .map(|h| {
            let kind = kind_text(h.kind).to_owned();
            (h.date.to_string(), h.name.to_owned(), kind)
        })
        .collect()
}

#[test]
fn holidays_equal_the_almanac_table() {
    let almanac = almanac();
    for year in REQUIRED_YEARS {
        assert!(almanac.contains_key(&year), "table lacks {year}");
    }
    for (year, rows) in &almanac {
        let got = computed(*year);
        let missing: Vec<&Row> = rows.iter().filter(|row| !got.contains(row)).collect();
        let extra: Vec<&Row> = got.iter().filter(|row| !rows.contains(row)).collect();
        assert!(missing.is_empty(), "{year}: missing {missing:?}");
        assert!(extra.is_empty(), "{year}: not in the table {extra:?}");
        assert_eq!(&got, rows, "{year}: order");
    }
}

#[test]
fn is_working_day_agrees_with_the_table_every_day() {
    for (year, rows) in almanac() {
        let first = parse(&format!("{year}-01-01"));
        let mut working = 0;
        for offset in 0..366 {
            let day = add_calendar_days(first, offset);
            let text = day.to_string();
            if !text.starts_with(&year.to_string()) {
                break;
            }
            let weekend = matches!(day.weekday().to_monday_one_offset(), 6 | 7);
            let holiday = rows.iter().any(|(date, _, _)| *date == text);
            assert_eq!(is_working_day(day), !weekend && !holiday, "{text}");
            working += i32::from(is_working_day(day));
        }
        if year == 2025 {
            assert_eq!(working, 249, "working days in 2025");
        }
    }
}

#[test]
fn every_supported_year_has_the_shape_of_the_law() {
    for year in FIRST_YEAR..=LAST_YEAR {
        let list = holidays(year);
        assert_eq!(list.len(), 16, "{year}");
        assert!(
            list.windows(2)
                .all(|w| w.first().map(|h| h.date) <= w.get(1).map(|h| h.date))
        );
        assert!(list.iter().all(|h| h.date.year() == year), "{year}");
        let de_facto = list
            .iter()
            .filter(|h| h.kind == HolidayKind::DeFactoHoliday)
            .count();
        assert_eq!(de_facto, 3, "{year}");
        for h in &list {
            let weekday = h.date.weekday().to_monday_one_offset();
            let expected = match h.name {
                "långfredagen" | "midsommarafton" => Some(5),
                "påskdagen" | "pingstdagen" => Some(7),
                "Kristi himmelsfärdsdag" => Some(4),
                "annandag påsk" => Some(1),
                "midsommardagen" | "alla helgons dag" => Some(6),
                _ => None,
            };
            if let Some(expected) = expected {
                assert_eq!(weekday, expected, "{year} {}", h.name);
            }
        }
        let easter = list.iter().find(|h| h.name == "påskdagen").unwrap().date;
        assert!(
            (parse(&format!("{year}-03-22"))..=parse(&format!("{year}-04-25"))).contains(&easter),
            "{year}: Easter {easter}"
        );
    }
    assert!(holidays(FIRST_YEAR - 1).is_empty());
    assert!(holidays(LAST_YEAR + 1).is_empty());
    assert!(holidays(i16::MIN).is_empty());
    assert!(holidays(i16::MAX).is_empty());
}

#[test]
fn add_working_days_matches_the_table() {
    let rows = csv("working_days.csv", "from,n,expected,comment", 4);
    assert!(rows.len() >= 20);
    for fields in rows {
        let [from, n, expected, comment] = <[String; 4]>::try_from(fields).unwrap();
        let n: u32 = parse(&n);
        let start = parse(&from);
        let got = add_working_days(start, n);
        assert_eq!(got.to_string(), expected, "{from} + {n}: {comment}");
        assert!(
            is_working_day(got),
            "{expected} is not a working day: {comment}"
        );
        let between = working_days_between(start, got);
        if n > 0 {
            assert_eq!(
                between,
                i64::from(n),
                "between {from} and {expected}: {comment}"
            );
        } else {
            // The days before the result are not working days, so only the result counts.
            assert_eq!(between, i64::from(start != got), "{from} + 0: {comment}");
        }
        assert_eq!(
            working_days_between(got, start),
            -between,
            "mirror: {comment}"
        );
        assert_eq!(add_days(start, n, DayCount::WorkingDays), got, "{comment}");
        assert_eq!(days_between(start, got, DayCount::WorkingDays), between);
    }
}

#[test]
fn calendar_days_count_every_day() {
    let from = parse("2025-12-23");
    let to = parse("2026-01-02");
    assert_eq!(add_calendar_days(from, 10), to);
    assert_eq!(add_days(from, 10, DayCount::CalendarDays), to);
    assert_eq!(add_calendar_days(from, 0), from);
    assert_eq!(days_between(from, to, DayCount::CalendarDays), 10);
    assert_eq!(days_between(to, from, DayCount::CalendarDays), -10);
    assert_eq!(days_between(from, to, DayCount::WorkingDays), 3);
    assert_eq!(days_between(to, from, DayCount::WorkingDays), -3);
    assert_eq!(working_days_between(from, from), 0);
}

#[test]
fn the_edges_of_the_range_neither_panic_nor_invent_holidays() {
    // After the last supported year only weekends are non-working days.
    let new_years_day = parse("2201-01-01");
    assert!(is_working_day(new_years_day));
    assert_eq!(
        add_working_days(parse("2200-12-30"), 1).to_string(),
        "2201-01-01"
    );
    // Saturation at the end of jiff's range.
    let last = parse("9999-12-31");
    assert_eq!(add_calendar_days(last, 1), last);
    assert_eq!(add_calendar_days(parse("2025-01-01"), u32::MAX), last);
    assert_eq!(add_working_days(last, 1), last);
    assert_eq!(add_working_days(parse("9000-01-01"), u32::MAX), last);
    assert_eq!(add_working_days(parse("9999-12-25"), 5), last);
    let first = parse("-009999-01-01");
    // Any fourteen days in a row hold ten weekdays.
    assert_eq!(
        working_days_between(first, add_calendar_days(first, 14)),
        10
    );
    assert_eq!(working_days_between(parse("9999-12-20"), last), 9);
}

/// Time limits as lag (1930:173) counts them, against `tests/data/calendar/durations.csv`:
/// the last day of a limit (1 §: the same date N months later, or that month's last day) and
/// the day it may still be met after rolling forward past non-working days (2 §).
#[test]
fn time_limits_follow_the_law_on_the_table() {
    use lots::model::calendar::{Length, last_day, roll_forward};
    let rows = csv("durations.csv", "start,length,last_day,rolled,comment", 5);
    assert!(rows.len() >= 10, "the table is too small");
    let mut wrong = Vec::new();
    for row in &rows {
        let [start, length, want_last, want_rolled, comment] = row.as_slice() else {
            unreachable!()
        };
        let (n, unit) = length.split_once(' ').unwrap();
        let n: u32 = n.parse().unwrap();
        let length = match unit {
            "days" => Length::Days(n),
            "working_days" => Length::WorkingDays(n),
            "weeks" => Length::Weeks(n),
            "months" => Length::Months(n),
            other => panic!("unknown unit `{other}` in {row:?}"),
        };
        let last = last_day(start.parse().unwrap(), length);
        let rolled = roll_forward(last);
        if last.to_string() != *want_last || rolled.to_string() != *want_rolled {
            wrong.push(format!(
                "{start} + {length:?}: last day {last} (want {want_last}), rolled {rolled} (want {want_rolled}): {comment}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
