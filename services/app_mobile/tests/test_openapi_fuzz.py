"""Every operation of the schema, fuzzed with the tokens of the roles the mobile app serves."""

from wanzo_common.api.fuzzing import fuzz_api

test_fuzz_as_sme_owner = fuzz_api(
    role="SME_OWNER", organization_id="5f0c2f4e-3b1d-4c59-9d7e-0a4f1c2b3d4e"
)
test_fuzz_as_sme_user = fuzz_api(role="SME_USER", organization_id="org-fuzz")
