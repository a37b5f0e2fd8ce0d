"""The declarative schema of every course document, as frozen pydantic models.

One model per document type: the skill catalogue, the source-article catalogue, a lesson's
front matter and a scenario. Models forbid unknown keys and do not coerce types (``"5"`` is
not a number), so authors' slips surface as problems instead of odd behaviour. Anything that
can be derived (scores, best paths, the lesson to revisit after a choice) is not in here: it
is computed from these facts by ``elearn.course.graph`` and ``elearn.play.engine``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


def _not_blank(text: str) -> str:
    if not text.strip():
        raise PydanticCustomError("empty-text", "must not be empty")
    return text


Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=64)]
Text = Annotated[str, AfterValidator(_not_blank)]
Rating = Literal["good", "partial", "poor"]
Channel = Literal["phone", "in_person", "chat", "email", "internal"]
Outcome = Literal["resolved", "escalated_properly", "ended_properly", "customer_lost", "complaint", "unsafe"]

RATING_CREDIT: dict[str, float] = {"good": 1.0, "partial": 0.5, "poor": 0.0}
"""What a rating counts for in scores and mastery: good = 1, partial = 0.5, poor = 0."""

RECENCY = 0.85
"""How much an observation of a skill still counts once a newer one arrives (``elearn.learner.mastery``).
It lives beside ``RATING_CREDIT`` because the store computes the same weighting in SQL."""


def fold_rating(successes: float, failures: float, rating: str) -> tuple[float, float]:
    """The recency-weighted (successes, failures) after one more ``rating``: the older evidence
    ages by ``RECENCY`` and the new rating counts in full. The mastery model folds a learner's
    ratings with it, oldest first; the store keeps ``skill_tallies`` with the same two float
    operations in SQL (``elearn.store.aggregates``), so both give the same bits."""
    credit = RATING_CREDIT[rating]
    return RECENCY * successes + credit, RECENCY * failures + (1 - credit)

SUCCESSFUL_OUTCOMES: frozenset[str] = frozenset({"resolved", "escalated_properly", "ended_properly"})
CHANNEL_LABELS: dict[str, str] = {
    "phone": "Phone call", "in_person": "In person", "chat": "Live chat", "email": "Email",
    "internal": "Internal colleague",
}
OUTCOME_LABELS: dict[str, str] = {
    "resolved": "Resolved", "escalated_properly": "Escalated properly", "ended_properly": "Ended properly",
    "customer_lost": "Customer lost", "complaint": "Formal complaint", "unsafe": "Unsafe situation",
}


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


# --- catalogues ---------------------------------------------------------------------------

class Skill(_Document):
    """One of the course's skills; ``lesson`` is the id of the lesson that teaches it."""

    id: Slug
    name: Text
    description: Text
    lesson: Slug


class Source(_Document):
    """A source article the course derives from (cited by lessons, never quoted)."""

    id: Slug
    title: Text
    author: str | None = None
    file: Text


class LessonMeta(_Document):
    """A lesson's YAML front matter."""

    id: Slug
    title: Text
    order: int = Field(ge=1)
    skills: list[Slug] = Field(min_length=1)
    sources: list[Slug] = Field(min_length=1)
    scenarios: list[Slug] = Field(min_length=1)
    minutes: int = Field(ge=1, le=120)
    summary: Text


# --- scenarios ----------------------------------------------------------------------------

class Route(_Document):
    """One branch of a choice: go to ``next`` if the anger after the choice meets the condition.

    A route with no condition is the "otherwise" branch and must come last.
    """

    next: Slug
    if_anger_at_least: int | None = Field(default=None, ge=0, le=100)
    if_anger_below: int | None = Field(default=None, ge=0, le=101)

    @property
    def conditional(self) -> bool:
        return self.if_anger_at_least is not None or self.if_anger_below is not None

    def matches(self, anger: int) -> bool:
        """True if this route applies at ``anger`` (the level after the choice)."""
        if self.if_anger_at_least is not None and anger < self.if_anger_at_least:
            return False
        return not (self.if_anger_below is not None and anger >= self.if_anger_below)


class Choice(_Document):
    """Something the representative can say or do at a decision."""

    id: Slug
    say: Text
    reaction: str | None = None
    feedback: Text
    evidence: dict[Slug, Rating] = Field(min_length=1)
    anger: int = Field(ge=-100, le=100)
    anger_note: str | None = None
    """Why the anger moves as it does, shown with the feedback (e.g. a spike after a firm warning)."""
    pin: Literal["last"] | None = None
    """``last`` keeps this option at the end of the shuffled list (e.g. "(Say nothing)")."""
    next: Slug | None = None
    branch: list[Route] | None = Field(default=None, min_length=2)

    @model_validator(mode="after")
    def _one_way_on(self) -> Choice:
        if (self.next is None) == (self.branch is None):
            raise PydanticCustomError(
                "choice-target", "needs exactly one of 'next' (a node or ending id) or 'branch' (a list of routes)"
            )
        if self.branch is not None:
            *conditional, otherwise = self.branch
            if otherwise.conditional or not all(route.conditional for route in conditional):
                raise PydanticCustomError(
                    "branch-order",
                    "has its 'branch' routes in the wrong order: routes with a condition come first, then exactly"
                    " one route without a condition (the otherwise case) last",
                )
        return self

    @property
    def targets(self) -> tuple[str, ...]:
        """Every node or ending this choice can lead to, whatever the anger."""
        if self.branch is not None:
            return tuple(route.next for route in self.branch)
        assert self.next is not None
        return (self.next,)

    def target(self, anger_after: int) -> str:
        """Where this choice leads when the customer's anger after it is ``anger_after``."""
        if self.branch is None:
            assert self.next is not None
            return self.next
        return next(route.next for route in self.branch if route.matches(anger_after))


class Node(_Document):
    """A decision point: the customer speaks, the representative picks one of 2-4 choices."""

    id: Slug
    customer: Text
    narration: str | None = None
    choices: list[Choice] = Field(min_length=2, max_length=4)

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    @property
    def best_choice(self) -> Choice:
        """The answer with the highest mean evidence credit here (the first written, on a tie)."""
        return max(self.choices, key=credit_of)


def credit_of(choice: Choice) -> float:
    """A choice's mean evidence credit, 0 (all poor) to 1 (all good)."""
    return sum(RATING_CREDIT[rating] for rating in choice.evidence.values()) / len(choice.evidence)


class PathCondition(_Document):
    """A fact about the way a learner took to an ending (``elearn.course.endings`` evaluates it).

    ``chose``: at least one of these choice ids was taken on the path (a choice id counts at any
    node that has it). ``never_chose``: none of them was. ``rated``: some answer on the path rated
    the skill at or below the level given (``partial`` also matches ``poor``). ``never_rated``: no
    answer did. Several keys must all hold.
    """

    chose: list[Slug] | None = Field(default=None, min_length=1)
    never_chose: list[Slug] | None = Field(default=None, min_length=1)
    rated: dict[Slug, Literal["partial", "poor"]] | None = Field(default=None, min_length=1)
    never_rated: dict[Slug, Literal["partial", "poor"]] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _says_something(self) -> PathCondition:
        if self.chose is None and self.never_chose is None and self.rated is None and self.never_rated is None:
            raise PydanticCustomError(
                "empty-condition", "needs at least one of 'chose', 'never_chose', 'rated' or 'never_rated'")
        return self


class DebriefNote(PathCondition):
    """A debrief paragraph shown only to learners whose path meets its condition."""

    text: Text


class PathClaim(PathCondition):
    """Something an ending's debrief asserts about every path to it ("nobody was blamed").

    The checker walks every path to the ending and reports any that contradicts the claim.
    """

    says: Text


class Ending(_Document):
    """Where a conversation can end, and what the learner should take from it.

    ``debrief`` must be true of every path to the ending; ``notes`` add paragraphs for the paths
    they match; ``claims`` declare what the debrief asserts, so the checker can prove it.
    """

    id: Slug
    title: Text
    outcome: Outcome
    debrief: Text
    notes: list[DebriefNote] = Field(default_factory=list)
    claims: list[PathClaim] = Field(default_factory=list)

    @property
    def successful(self) -> bool:
        return self.outcome in SUCCESSFUL_OUTCOMES


class Persona(_Document):
    name: Text
    description: Text


class Scenario(_Document):
    """A branching conversation with an angry customer (``quizzes/<slug>.yaml``)."""

    id: Slug
    title: Text
    version: int = Field(ge=1)
    summary: Text
    lessons: list[Slug] = Field(min_length=1)
    capstone: bool = False
    channel: Channel
    persona: Persona
    minutes: int = Field(default=10, ge=1, le=120)
    start_anger: int = Field(ge=0, le=100)
    start: Slug
    nodes: list[Node] = Field(min_length=1)
    endings: list[Ending] = Field(min_length=1)

    _by_id: dict[str, Node | Ending] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        # Endings first so that a node with the same (invalid, reported) id wins the lookup.
        self._by_id.update({e.id: e for e in self.endings})
        self._by_id.update({n.id: n for n in self.nodes})

    def node(self, node_id: str) -> Node | None:
        found = self._by_id.get(node_id)
        return found if isinstance(found, Node) else None

    def ending(self, ending_id: str) -> Ending | None:
        found = self._by_id.get(ending_id)
        return found if isinstance(found, Ending) else None

    @property
    def skills(self) -> tuple[str, ...]:
        """The skills this scenario produces evidence for, in first-seen order."""
        seen: dict[str, None] = {}
        for node in self.nodes:
            for choice in node.choices:
                seen.update(dict.fromkeys(choice.evidence))
        return tuple(seen)
