from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>`` as contract.md names it (DRF's default keyword is ``Token``)."""

    keyword = "Bearer"
