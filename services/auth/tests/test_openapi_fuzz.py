"""Schemathesis over the auth API: no server error, no response breaking its own schema.

The tokens name users that do not exist in this database: the views answer 401/404, not 500.
"""

from wanzo_common.api.fuzzing import fuzz_api

ORGANIZATION = "5f6d2c1e-8a8b-4f49-9a51-0d2b6f3b7c10"


test_fuzz_as_owner = fuzz_api(role="SME_OWNER", organization_id=ORGANIZATION)
test_fuzz_as_sme_user = fuzz_api(role="SME_USER", organization_id=ORGANIZATION)
test_fuzz_as_internal_admin = fuzz_api(role="INTERNAL_ADMIN")
