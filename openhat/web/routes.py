"""The one flat route table, in the order of the original's route files."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from openhat.debits.wire import checked_request, parse_setup
from openhat.identity.passwords import parse_change
from openhat.records.wire import parse_endpoint_data_list
from openhat.web import openapi
from openhat.web.context import any_user, hat_route
from openhat.web.endpoints import applications, auth, bundles, data, debits, feed, owner, system

API_PREFIXES = ("/api/v2.6", "/api/v2", "/api/v2.0")


def data_routes(prefix: str) -> list[BaseRoute]:
    """The rich data API, identical under every version prefix (spec 1.1)."""
    return [
        Route(f"{prefix}/data/sources", hat_route(data.list_sources, rule=data.can_list_sources),
              methods=["GET"]),
        Route(f"{prefix}/data/{{namespace}}/{{endpoint:path}}",
              hat_route(data.get_endpoint_data, rule=data.can_read), methods=["GET"]),
        Route(f"{prefix}/data/{{namespace}}/{{endpoint:path}}",
              hat_route(data.save_endpoint_data, rule=data.can_write, body=True),
              methods=["POST"]),
        Route(f"{prefix}/data/{{namespace}}/{{endpoint:path}}",
              hat_route(data.delete_endpoint_data, rule=data.can_write), methods=["DELETE"]),
        Route(f"{prefix}/data", hat_route(data.update_records, rule=data.can_write_data,
                                          body=data.updates_body), methods=["PUT"]),
        Route(f"{prefix}/data", hat_route(data.delete_records, rule=data.can_write_data),
              methods=["DELETE"]),
        Route(f"{prefix}/data-link", hat_route(data.link_records, rule=data.can_write_data),
              methods=["POST"]),
        Route(f"{prefix}/data-batch", hat_route(data.save_batch, rule=data.can_write_data,
                                                body=parse_endpoint_data_list),
              methods=["POST"]),
        *query_routes(prefix),
        *debit_routes(prefix),
        Route(f"{prefix}/she/feed", hat_route(feed.get_feed, rule=feed.can_read_feed),
              methods=["GET"]),
        Route(f"{prefix}/she/feed/{{prefix:path}}",
              hat_route(feed.get_feed, rule=feed.can_read_feed), methods=["GET"]),
        *application_routes(prefix),
    ]


def application_routes(prefix: str) -> list[BaseRoute]:
    """Applications (spec 5.4); the token and manifest routes are v2.6 only (spec 1.1), and
    so are openhat's registration routes."""
    base = f"{prefix}/applications"
    one = f"{base}/{{application_id}}"
    table: list[BaseRoute] = [
        Route(base, hat_route(applications.list_applications, rule=applications.can_list),
              methods=["GET"]),
        Route(one, hat_route(applications.application_status,
                             rule=applications.can_read_status), methods=["GET"]),
        Route(f"{one}/setup", hat_route(applications.setup, rule=applications.can_manage),
              methods=["GET"]),
        Route(f"{one}/disable", hat_route(applications.disable, rule=applications.can_manage),
              methods=["GET"]),
    ]
    if prefix == "/api/v2.6":
        table += [
            Route(f"{one}/access-token", hat_route(applications.access_token,
                                                   rule=applications.can_get_token),
                  methods=["GET"]),
            Route(f"{one}/hmi", hat_route(applications.hmi), methods=["GET"]),
            Route(base, hat_route(applications.register, rule=applications.owner_user,
                                  body=True), methods=["POST"]),
            Route(one, hat_route(applications.remove, rule=applications.owner_user),
                  methods=["DELETE"]),
        ]
    return table


def query_routes(prefix: str) -> list[BaseRoute]:
    """Combinators and bundles, identical under every prefix (spec 3.11, 3.12)."""
    return [
        Route(f"{prefix}/combinator/{{name:path}}",
              hat_route(bundles.register_combinator, rule=bundles.can_query,
                        body=bundles.combinator_body),
              methods=["POST"]),
        Route(f"{prefix}/combinator/{{name:path}}",
              hat_route(bundles.get_combinator_data, rule=bundles.can_query), methods=["GET"]),
        Route(f"{prefix}/data-bundle/{{bundle_id}}",
              hat_route(bundles.register_bundle, rule=bundles.can_query,
                        body=bundles.bundle_body),
              methods=["POST"]),
        Route(f"{prefix}/data-bundle/{{bundle_id}}",
              hat_route(bundles.get_bundle_data, rule=bundles.can_query), methods=["GET"]),
        Route(f"{prefix}/data-bundle/{{bundle_id}}/structure",
              hat_route(bundles.get_bundle_structure, rule=bundles.can_query),
              methods=["GET"]),
    ]


def debit_routes(prefix: str) -> list[BaseRoute]:
    """Data debits: v2.6 routes take the v2.6 model, v2/v2.0 the legacy one (spec 1.1)."""
    base = f"{prefix}/data-debit"
    one = f"{base}/{{debit_key}}"
    if prefix == "/api/v2.6":
        return [
            Route(one, hat_route(debits.create, rule=debits.can_create, body=parse_setup),
                  methods=["POST"]),
            Route(one, hat_route(debits.update, rule=debits.can_use, body=parse_setup),
                  methods=["PUT"]),
            Route(one, hat_route(debits.get, rule=debits.can_use), methods=["GET"]),
            Route(base, hat_route(debits.list_debits, rule=debits.can_manage),
                  methods=["GET"]),
            Route(f"{one}/values", hat_route(debits.values, rule=debits.can_use),
                  methods=["GET"]),
            Route(f"{one}/enable", hat_route(debits.enable, rule=debits.can_manage),
                  methods=["GET"]),
            Route(f"{one}/disable", hat_route(debits.disable, rule=debits.can_manage),
                  methods=["GET"]),
        ]
    return [
        Route(one, hat_route(debits.legacy_create, rule=debits.can_create,
                        body=checked_request),
              methods=["POST"]),
        Route(one, hat_route(debits.legacy_update, rule=debits.can_use,
                        body=checked_request),
              methods=["PUT"]),
        Route(one, hat_route(debits.legacy_get, rule=debits.can_use), methods=["GET"]),
        Route(base, hat_route(debits.legacy_list, rule=debits.can_manage), methods=["GET"]),
        Route(f"{one}/values", hat_route(debits.legacy_values, rule=debits.can_use),
              methods=["GET"]),
        Route(f"{one}/enable", hat_route(debits.legacy_enable, rule=debits.can_manage),
              methods=["GET"]),
        Route(f"{one}/enable/{{bundle_id}}",
              hat_route(debits.legacy_enable, rule=debits.can_manage), methods=["GET"]),
        Route(f"{one}/disable", hat_route(debits.legacy_disable, rule=debits.can_manage),
              methods=["GET"]),
    ]


def routes() -> list[BaseRoute]:
    table: list[BaseRoute] = [
        Route("/users/access_token", hat_route(auth.access_token), methods=["GET"]),
        Route("/users/access_token/validate", hat_route(auth.validate_token, rule=any_user),
              methods=["GET"]),
        Route("/publickey", hat_route(auth.public_key), methods=["GET"]),
        Route("/control/v2/auth/password",
              hat_route(owner.change_password, rule=applications.owner_user,
                        body=parse_change), methods=["POST"]),
        Route("/healthz", system.healthz, methods=["GET"]),
        Route("/api/v2.6/healthz", system.healthz, methods=["GET"]),
        Route("/api/v2.6/version", system.version, methods=["GET"]),
        Route(openapi.PATH, openapi.openapi_json, methods=["GET"]),
        Route("/api/v2.6/data-record/{record_id}",
              hat_route(data.get_record, rule=any_user), methods=["GET"]),
    ]
    for prefix in API_PREFIXES:
        table += data_routes(prefix)
    return table
