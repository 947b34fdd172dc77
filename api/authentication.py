"""Token authentication that also accepts `Authorization: Bearer <key>` (OpenAI clients)."""

from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """The same tokens as `Authorization: Token <key>`, under the keyword OpenAI SDKs send."""

    keyword = "Bearer"
