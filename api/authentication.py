"""Token authentication that also accepts `Authorization: Bearer <key>` (OpenAI clients)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """The same tokens as `Authorization: Token <key>`, under the keyword OpenAI SDKs send."""

    keyword = "Bearer"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Names the Bearer variant in the schema; otherwise it collides with `tokenAuth`
    (drf_spectacular.W001, which `manage.py check --deploy` reports)."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
