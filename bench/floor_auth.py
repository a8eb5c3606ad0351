"""django-rest-knox's stock token authentication (the product's tokens are knox digests, decision 94)
with the keyword the contract uses (``Authorization: Bearer``, ``REST_KNOX`` from the product's
settings); the framework's floor only (``floor_settings``). A module of its own: DRF imports it while
``rest_framework.views`` is still loading."""

from knox.auth import TokenAuthentication


class BearerToken(TokenAuthentication):
    pass
