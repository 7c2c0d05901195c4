"""The one ranking convention of every published table: standard competition ranking (1, 2, 2, 4)."""
from collections.abc import Hashable, Sequence


def competition_ranks(keys: Sequence[Hashable | None]) -> list[int | None]:
    """Ranks in the order given, higher key first; equal keys share a place; None has no rank."""
    present = sorted((k for k in keys if k is not None), reverse=True)
    first_place: dict = {}
    for place, key in enumerate(present, start=1):
        first_place.setdefault(key, place)
    return [None if k is None else first_place[k] for k in keys]
