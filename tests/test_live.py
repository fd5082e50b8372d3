"""The knowledge as the servers see it when the DB fails: the last knowledge read keeps serving."""

import socket
import threading

import pytest

from bot import db
from bot.live import LiveKnowledge


@pytest.fixture
def loaded(tmp_path, knowledge):
    path = tmp_path / "repere.db"
    db.save(knowledge, db.engine_for(f"sqlite:///{path}"), "tests")
    return path


def test_a_new_load_is_seen_at_once(loaded, knowledge):
    live = LiveKnowledge(url=f"sqlite:///{loaded}")
    first = live.orientation()
    db.save(knowledge, live.engine, "tests")
    assert live.orientation() is not first and live.orientation().k.demarches == knowledge.demarches


def test_a_db_gone_after_the_first_read_keeps_the_last_knowledge_serving(loaded):
    live = LiveKnowledge(url=f"sqlite:///{loaded}")
    first = live.orientation()
    loaded.rename(loaded.with_suffix(".moved"))
    assert live.orientation() is first
    assert first.orient("carte vitale", "Mayet").organismes[0].id == "assurance-maladie"


def test_a_server_that_never_read_any_knowledge_says_it_is_unavailable(tmp_path):
    with pytest.raises(db.DatabaseUnavailable, match="base de connaissances"):
        LiveKnowledge(url=f"sqlite:///{tmp_path / 'absent' / 'rien.db'}").orientation()


def test_a_hung_db_neither_blocks_requests_nor_piles_up_checks(loaded, monkeypatch):
    live = LiveKnowledge(url=f"sqlite:///{loaded}", wait=0.05)
    first = live.orientation()
    released, checks = threading.Event(), []
    real = db.last_load

    def hung(engine):
        checks.append(1)
        released.wait()
        return real(engine)

    monkeypatch.setattr(db, "last_load", hung)
    try:
        served = [live.orientation() for _ in range(30)]
    finally:
        released.set()
    assert all(o is first for o in served)
    assert len(checks) == 1  # one check in flight, however many requests came meanwhile


def test_a_postgresql_server_that_never_answers_fails_instead_of_hanging():
    with socket.socket() as black_hole:  # accepts connections, never says a word
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(8)
        engine = db.engine_for(f"postgresql://repere@127.0.0.1:{black_hole.getsockname()[1]}/repere")
        outcome = []
        checker = threading.Thread(target=lambda: outcome.append(db.last_load(engine)), daemon=True)
        checker.start()
        checker.join(timeout=60)
    assert outcome == [None]  # gave up (connect timeout): the caller serves the last knowledge
