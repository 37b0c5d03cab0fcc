"""Test connection says precisely what failed: a wrong key (and which auth was tried), an unreachable endpoint, a
wrong account; and what worked."""

from __future__ import annotations

from studio.upstream import probe
from tests.processes import free_port


def test_a_working_resource_passes_both_planes(engine, engine_resource):
    checks = probe.probe(engine_resource())
    assert [(c.plane, c.ok) for c in checks] == [("Data plane", True), ("Control plane (ARM)", True)]
    assert "lists" in checks[0].message and "local-engine" in checks[1].message


def test_a_wrong_key_names_the_key_that_was_tried(engine, engine_resource):
    checks = probe.probe(engine_resource(api_key="0123456789abcdef0123456789abwxyz"))
    data = checks[0]
    assert not data.ok and "did not accept the API key ending in …wxyz" in data.message
    assert "0123456789abcdef" not in data.message


def test_an_unreachable_endpoint_says_nothing_listens(engine_resource):
    url = f"http://127.0.0.1:{free_port()}"
    checks = probe.probe(engine_resource(endpoint=url, arm_endpoint=url))
    assert not checks[0].ok and "refused the connection" in checks[0].message
    assert not checks[1].ok and "refused the connection" in checks[1].message


def test_a_wrong_account_is_a_404_with_what_to_check(engine, engine_resource):
    checks = probe.probe(engine_resource(account_name="someone-else"))
    assert checks[0].ok and not checks[1].ok
    assert "Check the subscription, resource group and account name" in checks[1].message


def test_plain_http_to_loopback_needs_the_admins_permission(engine, engine_resource):
    checks = probe.probe(engine_resource(allow_http_loopback=False))
    assert not checks[0].ok and "off for this resource" in checks[0].message
