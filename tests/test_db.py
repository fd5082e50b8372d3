"""The knowledge DB: round trip on SQLite and PostgreSQL, atomic loads."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import db
from bot.orientation import Orientation
from bot.render import answer_dict
from conftest import KNOWLEDGE, NOW


def round_trip(knowledge, url):
    engine = db.engine_for(url)
    db.Base.metadata.drop_all(engine)
    written = db.save(knowledge, engine, str(KNOWLEDGE))
    back = db.read(engine)
    assert written == sum(len(knowledge.entries(kind)) for kind in knowledge.KINDS)
    for kind in knowledge.KINDS:
        assert back.entries(kind) == knowledge.entries(kind), kind
    assert back.lieu_territoire == knowledge.lieu_territoire
    # the same answer, dates included, whether read from YAML or from the DB
    before = answer_dict(Orientation(knowledge).orient("carte grise", "Mayet", now=NOW))
    after = answer_dict(Orientation(back).orient("carte grise", "Mayet", now=NOW))
    assert before == after and before["lieux"][0]["permanences"][0]["prochaines_seances"]
    return engine


def test_round_trip_sqlite(knowledge, tmp_path):
    round_trip(knowledge, f"sqlite:///{tmp_path}/repere.db")


@pytest.mark.postgres
def test_round_trip_postgresql(knowledge, pg_url):
    engine = round_trip(knowledge, pg_url)
    assert engine.dialect.name == "postgresql"


def test_failed_load_keeps_the_previous_knowledge(knowledge, tmp_path, monkeypatch):
    engine = db.engine_for(f"sqlite:///{tmp_path}/repere.db")
    db.save(knowledge, engine, "first")
    smaller = type(knowledge)(**{**knowledge.__dict__, "demarches": {}})

    def broken_add_all(self, rows):  # the DB fails in the middle of the write
        list(rows)
        raise RuntimeError("disque plein")

    monkeypatch.setattr(Session, "add_all", broken_add_all)
    with pytest.raises(RuntimeError):
        db.save(smaller, engine, "second")
    monkeypatch.undo()
    back = db.read(engine)
    assert back.demarches == knowledge.demarches
    assert db.last_load(engine).source == "first"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(db.Chargement)) == 1


def test_missing_or_empty_db_is_a_clear_french_error(tmp_path):
    with pytest.raises(db.DatabaseUnavailable, match="lancez « repere load »"):
        db.read(db.engine_for(f"sqlite:///{tmp_path}/vide.db"))


def test_a_db_loaded_under_an_older_schema_asks_for_a_reload(knowledge, tmp_path):
    engine = db.engine_for(f"sqlite:///{tmp_path}/repere.db")
    db.save(knowledge, engine, "old")
    with Session(engine) as session, session.begin():
        row = session.get(db.Entree, ("demarches", "passeport"))
        row.data = {**row.data, "pieces": ["photo (moins de 6 mois"]}  # valid before, refused now
    with pytest.raises(db.DatabaseUnavailable, match="version précédente du schéma .*passeport.* relancez « repere load »"):
        db.read(engine)
