"""The handler registry: registration, group scoping, typo detection and autodiscovery."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from wanzo_common.events.registry import HandlerRegistry, autodiscover, handler, registry


@pytest.fixture
def local():
    return HandlerRegistry()


def on_created(event):
    return "created"


def on_created_too(event):
    return "too"


def test_decorator_registers_and_returns_the_function(local):
    decorated = handler("user.created", registry=local)(on_created)

    assert decorated is on_created
    assert [h.func for h in local.handlers_for("user.created", group="g")] == [on_created]


def test_handlers_of_a_type_run_in_registration_order(local):
    handler("user.created", registry=local)(on_created)
    handler("user.created", registry=local)(on_created_too)

    assert [h.func for h in local.handlers_for("user.created", group="g")] == [
        on_created,
        on_created_too,
    ]


def test_registering_twice_keeps_one_entry(local):
    handler("user.created", registry=local)(on_created)
    handler("user.created", registry=local)(on_created)

    assert len(local.all()) == 1


def test_a_handler_without_group_runs_in_every_group(local):
    handler("user.created", registry=local)(on_created)

    assert local.handlers_for("user.created", group="a")
    assert local.handlers_for("user.created", group="b")


def test_a_handler_with_a_group_runs_only_there(local):
    handler("user.created", group="billing", registry=local)(on_created)

    assert local.handlers_for("user.created", group="billing")
    assert not local.handlers_for("user.created", group="other")
    assert local.types_for(group="billing") == {"user.created"}
    assert local.types_for(group="other") == set()


def test_other_types_have_no_handlers(local):
    handler("user.created", registry=local)(on_created)

    assert local.handlers_for("user.deleted", group="g") == []


def test_unknown_type_fails_at_registration_with_a_hint(local):
    with pytest.raises(ImproperlyConfigured, match="Did you mean 'user.created'"):
        handler("user.creatd", registry=local)(on_created)
    assert local.all() == []


def test_unregister(local):
    handler("user.created", registry=local)(on_created)
    local.unregister(on_created)

    assert local.all() == []


def test_autodiscover_imports_handlers_modules_of_installed_apps():
    autodiscover()

    names = {h.name for h in registry.all()}
    assert any(name.startswith("tests.testapp.handlers.") for name in names)
