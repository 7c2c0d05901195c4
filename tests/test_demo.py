"""The demo data: every person and organisation it names is marked as fictional (示例)."""
from examapp.demo import DEMO_PREFIX, DEMO_STAFF, demo_organizations, demo_round_inputs


def test_demo_indicator_leaders_are_marked_fictional():
    leaders = {indicator.leader.removesuffix("（区领导）") for indicator in demo_round_inputs().indicators}
    assert len(leaders) == 9
    assert all(leader.endswith("示例") and len(leader) == 3 for leader in leaders), sorted(leaders)


def test_demo_staff_and_organisations_are_marked_fictional():
    assert all(name.startswith("示例") for _, name, _ in DEMO_STAFF)
    assert all(name.startswith(DEMO_PREFIX) for name, _ in demo_organizations())
