"""Settings of the accounting service: the shared base plus what is the service's own."""

from pathlib import Path

from wanzo_common.settings import build

BASE_DIR = Path(__file__).resolve().parent.parent

globals().update(build(service="accounting", base_dir=BASE_DIR))  # ports: wanzo_common.ports

INSTALLED_APPS += ["accounting_service.apps.ServiceConfig"]  # noqa: F821  (defined by build())
INSTALLED_APPS += ["ledger.apps.LedgerConfig"]  # noqa: F821

# account_balance is refreshed at most this often per process (ledger/observe.py says why).
LEDGER_BALANCE_GAUGE_INTERVAL = 5.0
