"""The one flat route table, in the order of the original's route files."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from openhat.accounts.wire import (
    parse_claim,
    parse_email,
    parse_email_only,
    parse_user,
    parse_verification,
)
from openhat.applications import proxy as proxy_service
from openhat.debits.wire import checked_request, parse_setup
from openhat.files.blobs import BLOB_PATH
from openhat.files.wire import parse_file
from openhat.identity.passwords import parse_change
from openhat.records.wire import parse_endpoint_data_list
from openhat.system.service import parse_log_request
from openhat.web import openapi
from openhat.web.context import RAW, any_user, hat_route
from openhat.web.endpoints import (
    accounts,
    applications,
    audit,
    auth,
    bundles,
    contracts,
    data,
    debits,
    events,
    export,
    feed,
    files,
    owner,
    she,
    system,
)

API_PREFIXES = ("/api/v2.6", "/api/v2", "/api/v2.0")


def data_routes(prefix: str) -> list[BaseRoute]:
    """The rich data API, identical under every version prefix (spec 1.1)."""
    return [
        Route(f"{prefix}/data/sources", hat_route(data.list_sources, rule=data.can_list_sources,
                                                          reads=True),
              methods=["GET"]),
        Route(f"{prefix}/data/{{namespace}}/{{endpoint:path}}",
              hat_route(data.get_endpoint_data, rule=data.can_read, reads=True), methods=["GET"]),
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
        *function_routes(prefix),
        *application_routes(prefix),
        *file_routes(prefix),
        Route(f"{prefix}/migrate", hat_route(system.legacy_migrate, rule=system.owner_user),
              methods=["GET"]),
        Route(f"{prefix}/phata/profile", hat_route(bundles.public_profile), methods=["GET"]),
    ]


def file_routes(prefix: str) -> list[BaseRoute]:
    """Files (spec 5.3), identical under every prefix."""
    base = f"{prefix}/files"
    one = f"{base}/file/{{file_id}}"
    return [
        Route(f"{base}/upload", hat_route(files.start_upload, rule=files.can_upload,
                                          body=parse_file), methods=["POST"]),
        Route(f"{base}/search", hat_route(files.search, rule=any_user, body=parse_file),
              methods=["POST"]),
        Route(f"{one}/complete", hat_route(files.complete, rule=files.can_upload),
              methods=["PUT"]),
        Route(one, hat_route(files.get_file, rule=any_user), methods=["GET"]),
        Route(one, hat_route(files.update_file, rule=any_user, body=parse_file),
              methods=["PUT"]),
        Route(one, hat_route(files.delete_file, rule=files.can_manage), methods=["DELETE"]),
        Route(f"{base}/content/{{file_id}}", hat_route(files.content), methods=["GET"]),
        Route(f"{base}/allowAccess/{{user_id}}",
              hat_route(files.allow_access_matching, rule=files.can_manage, body=parse_file),
              methods=["POST"]),
        Route(f"{base}/restrictAccess/{{user_id}}",
              hat_route(files.restrict_access_matching, rule=files.can_manage,
                        body=parse_file), methods=["POST"]),
        Route(f"{base}/allowAccess/{{file_id}}/{{user_id}}",
              hat_route(files.allow_access, rule=files.can_manage), methods=["GET"]),
        Route(f"{base}/restrictAccess/{{file_id}}/{{user_id}}",
              hat_route(files.restrict_access, rule=files.can_manage), methods=["GET"]),
        Route(f"{base}/allowAccessPublic/{{file_id}}",
              hat_route(files.allow_public, rule=files.can_manage), methods=["GET"]),
        Route(f"{base}/restrictAccessPublic/{{file_id}}",
              hat_route(files.restrict_public, rule=files.can_manage), methods=["GET"]),
    ]


def application_routes(prefix: str) -> list[BaseRoute]:
    """Applications (spec 5.4); the list under `/hmi` and the manifest route are v2.6 only
    (spec 1.1), and so are openhat's registration routes."""
    base = f"{prefix}/applications"
    one = f"{base}/{{application_id}}"
    table: list[BaseRoute] = [
        Route(base, hat_route(applications.list_applications, rule=applications.can_list),
              methods=["GET"]),
        Route(f"{one}/access-token", hat_route(applications.access_token,
                                               rule=applications.can_get_token),
              methods=["GET"]),
        Route(one, hat_route(applications.application_status,
                             rule=applications.can_read_status), methods=["GET"]),
        Route(f"{one}/setup", hat_route(applications.setup, rule=applications.can_manage),
              methods=["GET"]),
        Route(f"{one}/disable", hat_route(applications.disable, rule=applications.can_manage),
              methods=["GET"]),
    ]
    if prefix == "/api/v2.6":
        table[1:1] = [  # before `{application_id}`, which would take `hmi` for an id
            Route(f"{base}/hmi", hat_route(applications.list_applications,
                                           rule=applications.can_list), methods=["GET"]),
        ]
        table += [
            Route(f"{one}/hmi", hat_route(applications.hmi), methods=["GET"]),
            Route(base, hat_route(applications.register, rule=applications.owner_user,
                                  body=True), methods=["POST"]),
            Route(one, hat_route(applications.remove, rule=applications.owner_user),
                  methods=["DELETE"]),
            Route(f"{one}/proxy/{{path:path}}",
                  hat_route(applications.proxy, rule=applications.can_manage, body=RAW),
                  methods=list(proxy_service.METHODS)),
        ]
    return table


def function_routes(prefix: str) -> list[BaseRoute]:
    """SHE functions (every prefix) and static data (v2.6 only), spec 5.2."""
    base = f"{prefix}/she/function"
    one = f"{base}/{{function_id}}"
    table: list[BaseRoute] = [
        Route(base, hat_route(she.list_functions, rule=she.can_use), methods=["GET"]),
        Route(one, hat_route(she.get_function, rule=she.can_use), methods=["GET"]),
        Route(f"{one}/enable", hat_route(she.enable, rule=she.can_use), methods=["GET"]),
        Route(f"{one}/disable", hat_route(she.disable, rule=she.can_use), methods=["GET"]),
        Route(f"{one}/trigger", hat_route(she.trigger, rule=she.can_trigger),
              methods=["GET"]),
    ]
    if prefix == "/api/v2.6":
        table.append(Route(f"{prefix}/she/static/{{endpoint:path}}",
                           hat_route(she.static_data, rule=she.can_use), methods=["GET"]))
    return table


def query_routes(prefix: str) -> list[BaseRoute]:
    """Combinators and bundles, identical under every prefix (spec 3.11, 3.12)."""
    return [
        Route(f"{prefix}/combinator/{{name:path}}",
              hat_route(bundles.register_combinator, rule=bundles.can_query,
                        body=bundles.combinator_body),
              methods=["POST"]),
        Route(f"{prefix}/combinator/{{name:path}}",
              hat_route(bundles.get_combinator_data, rule=bundles.can_query, reads=True),
              methods=["GET"]),
        Route(f"{prefix}/data-bundle/{{bundle_id}}",
              hat_route(bundles.register_bundle, rule=bundles.can_query,
                        body=bundles.bundle_body),
              methods=["POST"]),
        Route(f"{prefix}/data-bundle/{{bundle_id}}",
              hat_route(bundles.get_bundle_data, rule=bundles.can_query, reads=True),
              methods=["GET"]),
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


def account_routes() -> list[BaseRoute]:
    """Users, service tokens, hatlogin, password reset and verification (spec 2.6-2.8)."""
    one = "/users/user/{user_id}"
    auth_ = "/control/v2/auth"
    return [
        Route("/users/user", hat_route(accounts.list_users, rule=accounts.can_list),
              methods=["GET"]),
        Route("/users/user", hat_route(accounts.create_user, rule=accounts.can_manage,
                                       body=parse_user), methods=["POST"]),
        Route(f"{one}/enable", hat_route(accounts.enable_user, rule=accounts.can_manage),
              methods=["PUT"]),
        Route(f"{one}/disable", hat_route(accounts.disable_user, rule=accounts.can_manage),
              methods=["PUT"]),
        Route(f"{one}/delete", hat_route(accounts.delete_user, rule=accounts.can_manage),
              methods=["PUT"]),
        Route(f"{one}/update", hat_route(accounts.update_user, rule=accounts.can_manage,
                                         body=parse_user), methods=["PUT"]),
        Route("/users/application_token",
              hat_route(accounts.application_token, rule=applications.owner_user),
              methods=["GET"]),
        Route(f"{auth_}/hatlogin", hat_route(accounts.hat_login, rule=applications.owner_user),
              methods=["GET"]),
        Route(f"{auth_}/passwordReset", hat_route(accounts.password_reset, body=parse_email),
              methods=["POST"]),
        Route(f"{auth_}/passwordreset/confirm/{{token}}",
              hat_route(accounts.confirm_reset, body=parse_change), methods=["POST"]),
        Route(f"{auth_}/claim", hat_route(accounts.request_verification,
                                          body=parse_verification), methods=["POST"]),
        Route(f"{auth_}/request-verification",
              hat_route(accounts.request_verification, body=parse_verification),
              methods=["POST"]),
        Route(f"{auth_}/claim/complete/{{token}}",
              hat_route(accounts.complete_claim, body=parse_claim), methods=["POST"]),
        Route("/api/v2.6/reset-password",
              hat_route(accounts.reset_password_v26, body=parse_email_only), methods=["POST"]),
    ]


def contract_routes(prefix: str) -> list[BaseRoute]:
    """Contract data and files (spec 5.6, v2.6 only): no HAT token, a contract token in
    the body."""
    data, one_file = "{namespace}/{endpoint:path}", f"{prefix}/contract/file/{{file_id}}"
    return [
        Route(f"{prefix}/contract-data/read/{data}",
              hat_route(contracts.read, body=contracts.read_body), methods=["POST"]),
        Route(f"{prefix}/contract-data/create/{data}",
              hat_route(contracts.create, body=contracts.create_body), methods=["POST"]),
        Route(f"{prefix}/contract-data/update/{{namespace}}",
              hat_route(contracts.update, body=contracts.update_body), methods=["PUT"]),
        Route(f"{prefix}/contract/file/upload",
              hat_route(contracts.start_upload, body=contracts.file_body), methods=["POST"]),
        Route(f"{one_file}/complete",
              hat_route(contracts.complete_file, body=contracts.read_body), methods=["PUT"]),
        Route(one_file, hat_route(contracts.get_file, body=contracts.read_body),
              methods=["POST"]),
        Route(one_file, hat_route(contracts.update_file, body=contracts.file_body),
              methods=["PUT"]),
        Route(one_file, hat_route(contracts.delete_file, body=contracts.read_body),
              methods=["DELETE"]),
        Route(f"{one_file}/content",
              hat_route(contracts.file_content, body=contracts.read_body), methods=["POST"]),
    ]


def routes() -> list[BaseRoute]:
    table: list[BaseRoute] = [
        Route("/users/access_token", hat_route(auth.access_token), methods=["GET"]),
        Route("/users/access_token/validate",
              hat_route(auth.validate_token, rule=any_user, reads=True), methods=["GET"]),
        Route("/publickey", hat_route(auth.public_key, reads=True), methods=["GET"]),
        Route("/control/v2/auth/password",
              hat_route(owner.change_password, rule=applications.owner_user,
                        body=parse_change), methods=["POST"]),
        Route("/.well-known/apple-app-site-association", system.apple_app_site_association,
              methods=["GET"]),
        Route("/system/update", hat_route(system.update, rule=system.owner_user),
              methods=["GET"]),
        Route("/metrics", system.metrics_text, methods=["GET"]),
        Route("/healthz", system.healthz, methods=["GET"]),
        Route("/api/v2.6/healthz", system.healthz, methods=["GET"]),
        Route("/api/v2.6/version", system.version, methods=["GET"]),
        Route("/api/v2.6/report-frontend-action",
              hat_route(system.report_frontend_action, rule=any_user,
                        body=parse_log_request), methods=["POST"]),
        *(Route(f"{prefix}/system/status", hat_route(system.system_status,
                                                     rule=system.can_read_status),
                methods=["GET"]) for prefix in API_PREFIXES),
        Route("/api/v2.6/system/destroy-cache",
              hat_route(system.destroy_cache, rule=system.owner_user), methods=["DELETE"]),
        Route(openapi.PATH, openapi.openapi_json, methods=["GET"]),
        *contract_routes("/api/v2.6"),
        Route("/api/v2.6/data-record/{record_id}",
              hat_route(data.get_record, rule=any_user), methods=["GET"]),
        Route("/api/v2.6/data-record/{record_id}/links",
              hat_route(data.get_record_links, rule=any_user), methods=["GET"]),
        Route("/api/v2.6/events", hat_route(events.stream, rule=events.can_listen),
              methods=["GET"]),
        Route("/api/v2.6/webhooks", hat_route(events.register_webhook, rule=any_user,
                                              body=True), methods=["POST"]),
        Route("/api/v2.6/webhooks", hat_route(events.list_webhooks, rule=any_user),
              methods=["GET"]),
        Route("/api/v2.6/webhooks/{webhook_id}",
              hat_route(events.remove_webhook, rule=any_user), methods=["DELETE"]),
        Route("/api/v2.6/webhooks/{webhook_id}/secret",
              hat_route(events.new_webhook_secret, rule=any_user), methods=["POST"]),
        Route("/api/v2.6/audit", hat_route(audit.entries, rule=applications.owner_user),
              methods=["GET"]),
        Route("/api/v2.6/export", hat_route(export.export_hat, rule=applications.owner_user),
              methods=["GET"]),
    ]
    table += account_routes()
    for prefix in API_PREFIXES:
        table += data_routes(prefix)
    # The local blob store's signed URLs (openhat; S3 deployments answer 404 here).
    table += [Route(f"{BLOB_PATH}/{{file_id}}", hat_route(files.put_blob), methods=["PUT"]),
              Route(f"{BLOB_PATH}/{{file_id}}", hat_route(files.get_blob), methods=["GET"])]
    return table
