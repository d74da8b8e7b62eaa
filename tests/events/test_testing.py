import pytest

from wanzo_common.events.publisher import publish
from wanzo_common.events.testing import assert_published
from wanzo_common.events.transports import mock


def test_the_plugin_is_registered_by_the_package(request):
    """No ``pytest_plugins`` needed: the ``pytest11`` entry point in pyproject.toml loads it."""
    manager = request.config.pluginmanager
    plugin = manager.get_plugin("wanzo_common.events.testing")
    assert plugin is not None
    assert any(
        loaded is plugin and dist.project_name == "wanzo-common"
        for loaded, dist in manager.list_plugin_distinfo()
    )


def test_a_test_that_leaves_events_in_the_mock_outbox():
    # No fixture resets anything after this test (the settings already select the mock).
    publish("auth.logout", {"userId": "left-behind"}, immediate=True)
    assert len(mock.outbox) == 1


def test_the_next_test_starts_with_an_empty_mock_outbox():
    """The autouse fixture emptied it, as Django empties ``mail.outbox`` before every test."""
    assert mock.outbox == []


def test_assert_published_counts_matching_events(events_outbox):
    publish("auth.logout", {"userId": "a"}, immediate=True)
    publish("auth.logout", {"userId": "b"}, immediate=True)
    assert len(assert_published("auth.logout", count=2)) == 2
    [event] = assert_published("auth.logout", userId="b")
    assert event.subject == "b"
    assert_published("auth.logout", count=0, userId="c")


def test_assert_published_failure_lists_what_was_published(events_outbox):
    publish("auth.logout", {"userId": "a"}, immediate=True)
    with pytest.raises(AssertionError, match="auth.logout id="):
        assert_published("user.created")


def test_the_outbox_starts_empty_in_each_test(events_outbox):
    assert len(events_outbox) == 0
    publish("auth.logout", {"userId": "a"}, immediate=True)
    assert [event.type for event in events_outbox] == ["auth.logout"]
    events_outbox.clear()
    assert len(events_outbox) == 0


@pytest.mark.django_db
def test_pending_outbox_rows_count_as_published_and_relay_sends_them(events_outbox, mock_transport):
    publish("user.deleted", {"userId": "u"})
    assert [event.type for event in events_outbox.pending] == ["user.deleted"]
    assert_published("user.deleted", userId="u")
    assert events_outbox.relay() == 1
    assert events_outbox.pending == [] and len(mock_transport.outbox) == 1
    assert_published("user.deleted", userId="u")  # still exactly one, not two


def test_of_type_filters(events_outbox):
    publish("auth.logout", {"userId": "a"}, immediate=True)
    publish("user.deleted", {"userId": "a"}, immediate=True)
    assert [event.type for event in events_outbox.of_type("user.deleted")] == ["user.deleted"]


def test_assert_published_refuses_a_non_mock_transport(settings):
    settings.WANZO_EVENTS = {"TRANSPORT": "kafka", "BROKERS": ["127.0.0.1:1"]}
    with pytest.raises(AssertionError, match="not the mock"):
        assert_published("auth.logout")
