"""Event handlers of the app_mobile service, found by the consumer's autodiscovery."""

from wanzo_common.events import handler
from wanzo_common.events.system import log_system_event

handler("system.service_started")(log_system_event)
handler("system.service_stopping")(log_system_event)
