import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")
application = get_wsgi_application()

from yichuang.org.checks import refuse_demo_accounts_in_production  # noqa: E402

refuse_demo_accounts_in_production()

from yichuang.documents.checks import refuse_without_seal_master_key  # noqa: E402

refuse_without_seal_master_key()
