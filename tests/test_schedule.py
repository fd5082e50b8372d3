"""The schedule engine on real and tricky calendars (Europe/Paris)."""

from datetime import date, datetime, timedelta

import pytest

from bot.knowledge.schema import Horaires
from bot.schedule import PARIS, Schedule, compile_horaires


def sched(**fields) -> Schedule:
    return Schedule.from_horaires(Horaires.model_validate(fields))


def days(slots):
    return [s.debut.date() for s in slots]


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


MAYET = {"regles": [{"jours": ["jeudi"], "semaines": "paires", "heures": ["14h-17h"]}]}
YVRE = {"regles": [{"jours": ["jeudi"], "semaines": "impaires", "heures": ["14h-17h"]}]}

# Dates of the sessions held, as listed in seed 000 (Oct 2017 - Apr 2018).
MAYET_SEED = ["2017-10-05", "2017-11-02", "2017-11-30", "2018-01-11", "2018-01-25", "2018-02-08", "2018-03-22", "2018-04-05", "2018-04-19"]
YVRE_SEED = ["2017-10-26", "2017-11-09", "2017-11-23", "2017-12-07", "2018-01-18", "2018-02-15", "2018-03-15", "2018-03-29", "2018-04-12"]


@pytest.mark.parametrize("fields,seed", [(MAYET, MAYET_SEED), (YVRE, YVRE_SEED)])
def test_seed_permanence_dates_are_all_generated(fields, seed):
    slots = sched(**fields).slots_between(paris(2017, 10, 1), paris(2018, 5, 1))
    generated = days(slots)
    assert {date.fromisoformat(d) for d in seed} <= set(generated)
    parity = 0 if fields is MAYET else 1
    assert all(d.isocalendar().week % 2 == parity for d in generated)
    assert all((s.debut.hour, s.fin.hour) == (14, 17) for s in slots)
    # every other Thursday, nothing else: 30 Thursdays in the window, 15 per parity (±1)
    assert len(generated) in (14, 15, 16)


def test_mayet_and_yvre_never_meet_and_cover_every_thursday_of_the_season():
    mayet = set(days(sched(**MAYET).slots_between(paris(2017, 10, 1), paris(2018, 5, 1))))
    yvre = set(days(sched(**YVRE).slots_between(paris(2017, 10, 1), paris(2018, 5, 1))))
    assert not mayet & yvre
    thursdays = {paris(2017, 10, 5).date() + timedelta(weeks=i) for i in range(30)}
    assert mayet | yvre == thursdays  # no public holiday fell on a Thursday in that season


def test_ascension_thursday_is_excluded():
    # Ascension 2026 is Thursday 14 May, in ISO week 20 (even): Mayet skips it.
    slots = sched(**MAYET).slots_between(paris(2026, 5, 1), paris(2026, 6, 1))
    assert date(2026, 5, 14) not in days(slots)
    assert date(2026, 5, 28) in days(slots)
    weekly = sched(regles=[{"jours": ["jeudi"], "heures": ["14h-17h"]}]).slots_between(paris(2026, 5, 1), paris(2026, 6, 1))
    assert days(weekly) == [date(2026, 5, 7), date(2026, 5, 21), date(2026, 5, 28)]


def test_may_day_and_armistice_are_excluded_unless_declared_open():
    week = {"regles": [{"jours": ["lundi", "mardi", "mercredi", "jeudi", "vendredi"], "heures": ["9h-12h"]}]}
    got = days(sched(**week).slots_between(paris(2026, 4, 27), paris(2026, 5, 2)))
    assert date(2026, 5, 1) not in got and date(2026, 4, 30) in got
    got = days(sched(**week).slots_between(paris(2026, 11, 9), paris(2026, 11, 14)))
    assert got == [date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 12), date(2026, 11, 13)]
    opened = days(sched(**week, jours_feries="ouvert").slots_between(paris(2026, 11, 9), paris(2026, 11, 14)))
    assert date(2026, 11, 11) in opened


def test_iso_week_53_and_year_end():
    # 2026 has an ISO week 53: Thursday 31 December 2026 is in it (odd), then week 1 (odd).
    yvre = sched(**YVRE).next_slots(paris(2026, 12, 20), 3)
    assert days(yvre) == [date(2026, 12, 31), date(2027, 1, 7), date(2027, 1, 21)]
    mayet = sched(**MAYET).next_slots(paris(2026, 12, 20), 2)
    assert days(mayet) == [date(2026, 12, 24), date(2027, 1, 14)]


def test_daylight_saving_changes_keep_wall_clock_hours():
    every_day = sched(regles=[{"jours": ["dimanche", "jeudi"], "heures": ["14h-17h"]}], jours_feries="ouvert")
    spring = every_day.slots_between(paris(2026, 3, 26), paris(2026, 3, 30))
    assert [(s.debut.isoformat()) for s in spring] == ["2026-03-26T14:00:00+01:00", "2026-03-29T14:00:00+02:00"]
    autumn = every_day.slots_between(paris(2026, 10, 22), paris(2026, 10, 26))
    assert [s.debut.utcoffset() for s in autumn] == [timedelta(hours=2), timedelta(hours=1)]
    assert all(s.fin - s.debut == timedelta(hours=3) for s in spring + autumn)


def test_nth_and_last_weekday_of_month():
    first_third = sched(regles=[{"jours": ["mardi"], "rangs": [1, 3], "heures": ["9h-12h"]}])
    assert days(first_third.slots_between(paris(2026, 12, 1), paris(2027, 2, 1))) == [
        date(2026, 12, 1), date(2026, 12, 15), date(2027, 1, 5), date(2027, 1, 19)]
    last = sched(regles=[{"jours": ["vendredi"], "rangs": [-1], "heures": ["9h-12h"]}])
    assert days(last.next_slots(paris(2026, 11, 1), 3)) == [date(2026, 11, 27), date(2027, 1, 29), date(2027, 2, 26)]
    # 25 December 2026 is the last Friday of December and a public holiday: skipped.


def test_several_ranges_a_day_and_rules_that_add_up():
    s = sched(regles=[
        {"jours": ["lundi"], "heures": ["9h-12h30", "14h-17h"]},
        {"jours": ["lundi"], "semaines": "paires", "heures": ["18h-19h"]},
    ])
    got = [(x.debut.strftime("%d %H:%M"), x.fin.strftime("%H:%M")) for x in s.slots_between(paris(2026, 11, 16), paris(2026, 11, 24))]
    assert got == [("16 09:00", "12:30"), ("16 14:00", "17:00"), ("23 09:00", "12:30"), ("23 14:00", "17:00"), ("23 18:00", "19:00")]


def test_validity_dates_closures_cancelled_and_extra_sessions():
    s = sched(
        regles=[{"jours": ["jeudi"], "heures": ["14h-17h"]}],
        du="2026-11-01", au="2027-01-31",
        fermetures=[{"du": "2026-12-21", "au": "2027-01-03", "motif": "congés"}],
        sauf=["2026-11-26"],
        en_plus=[{"date": "2026-11-27", "heures": ["10h-12h"]}, {"date": "2026-12-25", "heures": ["10h-11h"]}],
    )
    got = days(s.slots_between(paris(2026, 10, 1), paris(2027, 3, 1)))
    assert got[0] == date(2026, 11, 5)  # nothing before validity
    assert date(2026, 11, 26) not in got and date(2026, 11, 27) in got
    assert date(2026, 12, 24) not in got and date(2026, 12, 31) not in got
    assert date(2026, 12, 25) in got  # an explicit extra session wins over the holiday
    assert got[-1] == date(2027, 1, 28)  # nothing after validity


def test_note_and_running_session():
    s = sched(regles=[{"jours": ["lundi"], "heures": ["9h-12h"]}], note="sur rendez-vous")
    slots = s.next_slots(paris(2026, 11, 23, 10, 30), 2)
    assert slots[0].debut == paris(2026, 11, 23, 9) and slots[0].note == "sur rendez-vous"
    assert slots[1].debut == paris(2026, 11, 30, 9)
    assert slots[0].label() == "lundi 23 novembre 2026, 9h-12h"


def test_raw_opening_hours_and_compiled_rule():
    raw = sched(opening_hours="week 2-52/2 Th 14:00-17:00; PH off")
    assert days(raw.next_slots(paris(2026, 11, 23), 2)) == [date(2026, 11, 26), date(2026, 12, 10)]
    h = Horaires.model_validate({**MAYET, "sauf": ["2026-11-26"]})
    assert compile_horaires(h) == "week 2-52/2 Th 14:00-17:00; PH off; 2026 Nov 26 off"


def test_next_slots_across_a_long_gap_and_none_when_ended():
    late = sched(regles=[{"jours": ["lundi"], "heures": ["9h-12h"]}], du="2027-06-01")
    assert days(late.next_slots(paris(2026, 11, 23), 1)) == [date(2027, 6, 7)]
    ended = sched(regles=[{"jours": ["lundi"], "heures": ["9h-12h"]}], au="2026-01-31")
    assert ended.next_slots(paris(2026, 11, 23), 3) == []
