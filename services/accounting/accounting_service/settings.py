"""Settings of the accounting service: the shared base plus what is the service's own."""

from pathlib import Path

import dj_database_url

from wanzo_common.env import Env
from wanzo_common.settings import build

BASE_DIR = Path(__file__).resolve().parent.parent

globals().update(build(service="accounting", base_dir=BASE_DIR))  # ports: wanzo_common.ports

INSTALLED_APPS += ["accounting_service.apps.ServiceConfig"]  # noqa: F821  (defined by build())
INSTALLED_APPS += ["ledger.apps.LedgerConfig"]  # noqa: F821

# account_balance is refreshed at most this often per process (ledger/observe.py says why).
LEDGER_BALANCE_GAUGE_INTERVAL = 5.0

# The database roles (ledger/privileges.py): the service connects as DATABASE_APP_ROLE, which
# owns nothing; `manage.py migrate` connects as the owner when DATABASE_MIGRATE_URL is set.
_env = Env(BASE_DIR / ".env")
LEDGER_APP_ROLE = _env.str("DATABASE_APP_ROLE")
if _migrate_url := _env.str("DATABASE_MIGRATE_URL"):
    DATABASES["migrate"] = {  # noqa: F821
        **DATABASES["default"],  # noqa: F821
        **dj_database_url.parse(_migrate_url.replace("{service}", "accounting")),
        "TEST": {"MIRROR": "default"},
    }
