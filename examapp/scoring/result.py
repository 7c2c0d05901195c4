"""A round's computed result (pure): each component's score with its working, each person's composite and rank,
and the round's whole result as the JSON-ready dict a computation stores and the pages read."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from examapp.scoring.accountability import AccountabilityEntry
from examapp.scoring.components import to_number
from examapp.scoring.robustness import RobustnessRow
from examapp.scoring.robustness import describe as describe_robustness
from examapp.scoring.scheme import COMPONENT_LABELS, MISSING_EXPLANATIONS, MISSING_TREATMENTS, RANKING_RULE, Scheme


@dataclass(frozen=True)
class ComponentResult:
    key: str
    label: str
    weight: float
    value: float | None          # before normalisation, full precision
    score: Decimal | None        # as printed: normalised, rounded half up; None when missing
    missing: str | None          # why the component does not apply (Chinese); None when present
    working: str                 # how the number was computed, with its inputs (Chinese)
    details: dict                # the inputs used, JSON-ready (lines per exam / indicator result / period / item)
    imputed: Decimal | None = None   # missing, but counted as this under the scheme's treatment (median, zero)

    @property
    def effective(self) -> Decimal | None:
        """The number the composite uses: the score, else the imputed value, else None (re-weighted)."""
        return self.score if self.score is not None else self.imputed

    @property
    def counted(self) -> bool:
        return self.effective is not None and self.weight > 0


@dataclass
class PersonResult:
    organization: str
    name: str
    components: dict[str, ComponentResult]
    composite: Decimal | None = None
    rank: int | None = None
    composite_working: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def scores(self) -> dict[str, Decimal | None]:
        return {key: c.score for key, c in self.components.items()}

    @property
    def missing(self) -> dict[str, str]:
        return {key: c.missing for key, c in self.components.items() if c.missing}

    def to_dict(self) -> dict:
        return {
            "organization": self.organization, "name": self.name,
            "components": {key: to_number(c.score) for key, c in self.components.items()},
            "imputed": {key: to_number(c.imputed) for key, c in self.components.items() if c.imputed is not None},
            "composite": to_number(self.composite), "rank": self.rank,
            "missing": self.missing, "notes": list(self.notes), "composite_working": self.composite_working,
            "details": {key: {"label": c.label, "weight": c.weight, "value": c.value, "score": to_number(c.score),
                              "missing": c.missing, "imputed": to_number(c.imputed), "working": c.working,
                              **c.details}
                        for key, c in self.components.items()},
        }


@dataclass
class RoundResult:
    scheme: Scheme
    components: list[str]                  # keys in display order (the scheme's, then unweighted 其他指标)
    results: list[PersonResult]            # one per person, in input order
    accountability: list[AccountabilityEntry]
    robustness: list[RobustnessRow]        # one per ranked person, in input order
    warnings: list[str] = field(default_factory=list)
    missing_summary: list[dict] = field(default_factory=list)    # per component lacking for someone: counts, reasons
    treatment_ranks: list[dict[str, int | None]] = field(default_factory=list)   # per person: treatment -> rank

    def to_dict(self) -> dict:
        return {
            "ranking_rule": RANKING_RULE,
            "scheme": self.scheme.to_dict(),
            "components": [{"key": k, "label": component_label(k), "weight": self.scheme.weight(k)}
                           for k in self.components],
            "results": [person.to_dict() for person in self.results],
            "accountability": [entry.to_dict() for entry in self.accountability],
            "robustness": [{"organization": self.results[row.index].organization,
                            "name": self.results[row.index].name, "rank": row.rank,
                            "median_rank": row.median_rank, "p5_rank": row.p5_rank, "p95_rank": row.p95_rank,
                            "best_rank": row.best_rank, "worst_rank": row.worst_rank,
                            "mean_rank_shift": row.mean_rank_shift} for row in self.robustness],
            "robustness_method": describe_robustness(self.scheme),
            "warnings": list(self.warnings),
            "missing": {"method": self.scheme.missing, "label": MISSING_TREATMENTS[self.scheme.missing],
                        "explanation": MISSING_EXPLANATIONS[self.scheme.missing]},
            "missing_summary": self.missing_summary,
            "treatment_ranks": [{"organization": person.organization, "name": person.name, "ranks": ranks}
                                for person, ranks in zip(self.results, self.treatment_ranks, strict=True)],
        }


def component_label(key: str) -> str:
    return COMPONENT_LABELS.get(key, key)
