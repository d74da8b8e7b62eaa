"""Schemathesis over the whole API, as the SME owner of an organisation: no 5xx, no response
that breaks the schema."""

from wanzo_common.api.fuzzing import fuzz_api

test_fuzz_as_sme_owner = fuzz_api(role="SME_OWNER", organization_id="org-fuzz")
