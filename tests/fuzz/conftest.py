"""Hypothesis profiles for the fuzz tests of the importers.

"ci" (the default) is derandomised: every run tries the same examples, so a red build is reproducible and
never flaky, and it stays under a minute per engine on a 2-core machine. For a hunt, run
``HYPOTHESIS_PROFILE=hunt pytest tests/fuzz`` (random, ten times the examples; a failure prints a
``@reproduce_failure`` blob to paste onto the test).
"""
import os

from hypothesis import HealthCheck, settings

# Examples per property: pure parser properties run PURE_EXAMPLES, the slower database ones DB_EXAMPLES
# (each profile scales both through max_examples; see examples()).
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("hunt", parent=settings.get_profile("ci"), max_examples=1000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
