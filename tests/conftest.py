import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=int(os.environ.get("AIBYHAND_EXAMPLES", "25")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.load_profile("default")
