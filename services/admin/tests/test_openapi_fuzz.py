"""Every operation of the admin API, fuzzed as each role it serves: no 5xx, responses in schema."""

from wanzo_common.api.fuzzing import fuzz_api

test_fuzz_as_internal_admin = fuzz_api(role="INTERNAL_ADMIN")
test_fuzz_as_internal_staff = fuzz_api(role="INTERNAL_STAFF")
test_fuzz_as_sme_owner = fuzz_api(
    role="SME_OWNER", organization_id="5b0c3e8e-4a8f-4d4e-9b7a-6f1f2d3c4b5a"
)
