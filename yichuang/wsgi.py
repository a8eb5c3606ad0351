import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")
application = get_wsgi_application()

from yichuang.org.checks import refuse_demo_accounts_in_production  # noqa: E402

refuse_demo_accounts_in_production()

from yichuang.documents.checks import refuse_without_seal_master_key  # noqa: E402

refuse_without_seal_master_key()

from yichuang.pii.checks import refuse_without_pii_keys  # noqa: E402

refuse_without_pii_keys()

from yichuang.common.enqueue import refuse_without_broker_transport  # noqa: E402

refuse_without_broker_transport()

# Import every view (and what they import: the catalog search loads pypinyin's and jieba's
# dictionaries, seconds of work) now, not in the first request each worker answers; with
# ``gunicorn --preload`` the workers then share it all with the master.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
