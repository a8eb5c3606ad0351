"""DRF's stock token authentication with the keyword the contract uses (``Authorization: Bearer``);
the framework's floor only (``floor_settings``). A module of its own: DRF imports it while
``rest_framework.views`` is still loading."""

from rest_framework.authentication import TokenAuthentication


class BearerToken(TokenAuthentication):
    keyword = "Bearer"
