"""OpenAPI: our JWT authentication documented as the bearer scheme it is.

drf-spectacular knows simplejwt's own classes; this registers ours (imported by the app's
``ready``) so that every operation shows its security requirement.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class WanzoJWTScheme(SimpleJWTScheme):
    target_class = "wanzo_common.api.authentication.JWTAuthentication"
    name = "jwtAuth"
    match_subclasses = True  # the auth service's own check extends it
