"""The firm's assessment as a sequence of steps, and submitting it: glue between storage and scoring."""

from __future__ import annotations

from dataclasses import dataclass

from assessment.answers import Answer, codes_vector, missing
from assessment.framework import Framework
from assessment.inventory import answers_from_platforms
from assessment.scoring import FirmResult, score_codes
from assessment.storage import Store


@dataclass(frozen=True)
class Step:
    kind: str  # "profile", "pillar", "platforms" or "review"
    pillar_id: str | None = None


def steps(fw: Framework) -> list[Step]:
    """Profile, one step per pillar, the platforms the firm uses (optional), then the review
    before submitting."""
    return [Step("profile"), *(Step("pillar", p.id) for p in fw.pillars), Step("platforms"), Step("review")]


class IncompleteAnswers(ValueError):
    def __init__(self, missing_ids: list[str]):
        self.missing_ids = missing_ids
        super().__init__(f"{len(missing_ids)} criteria unanswered: {', '.join(missing_ids)}")


def result_for(fw: Framework, answers: dict[str, Answer], platforms=()) -> FirmResult:
    """Score one complete set of answers; the criteria answered from the platforms list (if the
    framework has any) are answered from ``platforms`` here, whatever was stored for them."""
    gaps = missing(fw, answers)
    if gaps:
        raise IncompleteAnswers(gaps)
    answers = {**answers, **answers_from_platforms(fw, platforms)}
    return score_codes(fw, codes_vector(fw, answers)).firm(0)


def submit(store: Store, fw: Framework, assessment_id: int) -> FirmResult:
    """Score a draft and store it as submitted; IncompleteAnswers lists what is missing."""
    record = store.get(assessment_id)
    if record.framework_key != fw.key:
        raise ValueError(f"assessment {assessment_id} was answered with {record.framework_key}, not {fw.key}")
    result = result_for(fw, record.answers, record.platforms)
    derived = answers_from_platforms(fw, record.platforms)
    if derived:  # stored with the others, so every reader of the answers sees what was scored
        store.save_answers(assessment_id, derived)
    store.submit(assessment_id, result, recommended=recommended_for(store, fw, record, result))
    return result


def recommended_for(store: Store, fw: Framework, record, result: FirmResult) -> str | None:
    """What the results page will recommend this firm from the catalogue published now
    (recommend.shown), recorded with the submitted assessment; None (not recorded) while the
    framework's catalogue is still empty (a submit writes no catalogue)."""
    import numpy as np

    from assessment.catalogue_store import CatalogueStore
    from assessment.inventory import Inventory
    from assessment.recommend import shown

    entries = CatalogueStore(store, fw).published()
    if not entries:
        return None
    points = np.array([[result.criterion_points[c] for c in fw.criterion_ids]], dtype=np.int16)
    return shown(fw, entries, points, size_classes=[record.profile.size_class.id],
                 sectors=[record.profile.sector], inventories=[Inventory(list(record.platforms))])[0]
