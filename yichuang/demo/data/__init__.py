"""The demo county's data: 河南省信阳市浉河区, modeled on the seed documents.

Plain Python data, kept apart from the loading code (``yichuang.demo.loader``) so it reads like a
register: regions and points (``places``), departments (``departments``), certificate types and the
catalog-wide materials (``materials``), service items (``items_town``, ``items_delegated``,
``items_county``), delegations' instruments and bundles (``rules``), demo accounts (``accounts``).
"""
