"""Certificates earned from recorded progress (answers recorded through the store, as the player
does), their PDF read back as text, verification by code, and who may download which."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader

from elearn.certificates.award import award_earned
from elearn.certificates.pdf import certificate_pdf, certificates_zip, file_name
from elearn.certificates.verify import EXPIRED, UNKNOWN, VALID, verify
from elearn.course.passing import PassRule
from elearn.store import AccessDenied, Store, complete_lesson
from elearn.store.assignments import assign
from elearn.store.certificates import certificate_by_code, certificate_for, certificates_for, normal_code
from tests.manager.conftest import COURSE, Clock, finish_at, read_everything
from tests.store.conftest import build_world
from tests.store.helpers import NOW

BASE_URL = "https://training.example.org"
RULE = PassRule()


def _pdf_text(pdf: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_whole_course_played_well_earns_a_certificate_once(store: Store) -> None:
    world = build_world(store)
    clock = Clock()
    read_everything(store, world.ana, COURSE, clock)
    assert award_earned(store, COURSE, world.ana, clock.moment, RULE) == 1
    assert award_earned(store, COURSE, world.ana, clock.tick(), RULE) == 0  # again: nothing new
    (mine,) = certificates_for(store, world.ana)
    assert (mine.holder, mine.assignment_id, mine.expires_at) == ("Ana", None, None)
    assert mine.title == "Calm under fire: the whole course"
    assert mine.score_band in {"Pass", "Merit", "Distinction"}

    text = _pdf_text(certificate_pdf(mine, BASE_URL))
    for expected in ("Certificate of achievement", "Ana", "Calm under fire: the whole course",
                     f"{mine.earned_at:%d %B %Y}", f"Score band: {mine.score_band}", mine.code,
                     f"{BASE_URL}/verify?code={mine.code}"):
        assert expected in text, f"{expected!r} not in the PDF's text: {text!r}"
    assert "Valid until" not in text


def test_costly_mistakes_earn_no_certificate(store: Store) -> None:
    world = build_world(store)
    clock = Clock()
    for lesson in COURSE.lessons:
        complete_lesson(store, world.abe, lesson.id, clock.tick())
    for scenario in COURSE.scenarios:
        finish_at(store, world.abe, scenario, RULE.threshold - 1, clock)  # resolved, with costly mistakes
    assert award_earned(store, COURSE, world.abe, clock.moment, RULE) == 0
    assert certificates_for(store, world.abe) == ()


def test_an_assignment_with_recertification_expires_and_verify_says_so(store: Store) -> None:
    world = build_world(store)
    clock = Clock()
    lesson = COURSE.lessons[0]
    assign(store, world.admin, user_id=world.ana.id, modules=[lesson.id], due_at=NOW + timedelta(days=20), now=NOW,
           recertify_days=30)
    complete_lesson(store, world.ana, lesson.id, clock.tick())
    for scenario in COURSE.practice_for(lesson):
        finish_at(store, world.ana, scenario, 95, clock)
    assert award_earned(store, COURSE, world.ana, clock.moment, RULE) == 1  # the modules; not the whole course
    (mine,) = certificates_for(store, world.ana)
    assert mine.title == f"Calm under fire: {lesson.title}"
    assert mine.score_band == "Distinction"
    assert mine.expires_at is not None
    assert "Valid until" in _pdf_text(certificate_pdf(mine, BASE_URL))

    assert verify(store, mine.code, clock.moment).status == VALID
    assert verify(store, mine.code.lower().replace("-", " "), clock.moment).status == VALID  # as typed
    later = verify(store, mine.code, mine.expires_at)
    assert (later.status, later.holder) == (EXPIRED, "Ana")
    assert "expired on" in later.in_words()
    unknown = "".join("B" if c == "A" else "A" if c.isalpha() else c for c in mine.code)
    assert verify(store, unknown, clock.moment).status == UNKNOWN
    assert verify(store, "'; drop table certificates; --", clock.moment).status == UNKNOWN
    assert normal_code("x" * 10_000) is None


def test_managers_get_their_teams_certificates_only(store: Store) -> None:
    world = build_world(store)
    clock = Clock()
    for learner in (world.ana, world.bea):
        read_everything(store, learner, COURSE, clock)
    assert award_earned(store, COURSE, world.manager, clock.moment, RULE) == 1  # Manny sees team A only
    assert award_earned(store, COURSE, world.admin, clock.moment, RULE) == 1  # Bea's
    ana = certificates_for(store, world.ana)[0]
    bea = certificates_for(store, world.bea)[0]
    assert [c.holder for c in certificates_for(store, world.manager)] == ["Ana"]
    assert {c.holder for c in certificates_for(store, world.admin)} == {"Ana", "Bea"}
    assert certificate_for(store, world.manager, ana.id) == ana
    with pytest.raises(AccessDenied):
        certificate_for(store, world.manager, bea.id)
    with pytest.raises(AccessDenied):
        certificate_for(store, world.abe, ana.id)
    with pytest.raises(AccessDenied):
        certificate_for(store, world.manager, 10**6)
    assert certificate_by_code(store, bea.code) == bea

    archive = zipfile.ZipFile(io.BytesIO(certificates_zip(certificates_for(store, world.manager), BASE_URL)))
    assert archive.namelist() == [file_name(ana)]
    assert file_name(ana) == f"certificate-ana-{ana.code}.pdf"
    assert "Ana" in _pdf_text(archive.read(file_name(ana)))
