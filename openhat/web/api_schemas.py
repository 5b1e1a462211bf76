"""JSON Schemas of the HAT API's bodies, for the OpenAPI description (`api_description`).

Responses are described exactly as openhat writes them (the fuzz tests check every response
against these); request schemas describe what is accepted, and the server still validates
every body itself.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None,
        extra: bool = True) -> Schema:
    """An object with these required and optional properties (others allowed unless
    `extra` is False)."""
    out: Schema = {"type": "object", "properties": {**required, **(optional or {})}}
    if required:
        out["required"] = list(required)
    if not extra:
        out["additionalProperties"] = False
    return out


def map_of(values: Schema) -> Schema:
    return {"type": "object", "additionalProperties": values}


STRING: Schema = {"type": "string"}
BOOLEAN: Schema = {"type": "boolean"}
INTEGER: Schema = {"type": "integer"}
ANY: Schema = {}
UUID: Schema = {"type": "string", "format": "uuid"}
DATE_TIME: Schema = {"type": "string", "description": "ISO-8601 date-time"}
ENDPOINT: Schema = {"type": "string", "pattern": "^[0-9a-z/-]+$",
                    "description": "`namespace/endpoint[/sub...]`"}

SCHEMAS: dict[str, Schema] = {
    # --- errors and small answers ---------------------------------------------------------
    "ErrorMessage": obj({"message": STRING, "cause": STRING}, {"details": array(STRING)},
                        extra=False),
    "FrameworkError": obj({"error": STRING, "message": ANY}, extra=False),
    "Error": {"anyOf": [ref("ErrorMessage"), ref("FrameworkError")],
              "description": "`{message, cause}` from handlers, `{error, message}` from"
                             " validation, authentication and routing (spec 1.2)"},
    "SuccessResponse": obj({"message": STRING}, extra=False),
    "AccessToken": obj({"accessToken": STRING, "userId": UUID}, extra=False),
    "Health": obj({"Status": STRING}, extra=False),
    "Version": obj({"Version": STRING, "api": STRING, "openhat": STRING}, extra=False),
    "ContractDataRequest": obj({"token": STRING, "hatName": STRING, "contractId": STRING},
                               {"body": ANY}),
    "ContractFileRequest": obj({"token": STRING, "hatName": STRING, "contractId": STRING,
                                "file": ref("ApiHatFileIn")}),
    "FunctionConfiguration": obj(
        {"id": STRING, "info": {"type": "object"}, "developer": {"type": "object"},
         "trigger": obj({"triggerType": {"type": "string",
                                         "enum": ["periodic", "individual", "manual"]}}),
         "dataBundle": obj({"name": STRING, "bundle": {"type": "object"}}),
         "status": obj({"available": BOOLEAN, "enabled": BOOLEAN},
                       {"lastExecution": DATE_TIME, "executionStarted": DATE_TIME})}),
    "LogRequest": obj({"actionCode": STRING}, {"message": STRING, "logGroup": STRING}),
    "PasswordChange": obj({"newPassword": STRING}, {"password": STRING}, extra=False),
    "NewUser": obj({"email": STRING}, {"userId": UUID, "pass": STRING, "name": STRING,
                                       "role": STRING, "roles": array(ref("UserRole"))}),
    "EmailRequest": obj({"email": STRING}),
    "VerificationRequest": obj({"email": STRING, "applicationId": STRING,
                                "redirectUri": STRING}),
    "ClaimCompletion": obj({}, {"email": STRING, "termsAgreed": BOOLEAN,
                                "optins": array(STRING), "hatName": STRING,
                                "hatCluster": STRING, "password": STRING}),

    # --- records --------------------------------------------------------------------------
    "EndpointData": obj({"endpoint": STRING, "recordId": UUID, "data": ANY},
                        {"links": array(ref("EndpointData"))}, extra=False),
    "EndpointDataIn": obj({"endpoint": ENDPOINT, "data": ANY},
                          {"recordId": UUID, "links": array(ref("EndpointDataIn"))},
                          extra=False),
    "EndpointDataUpdate": obj({"endpoint": ENDPOINT, "recordId": UUID, "data": ANY},
                              extra=False),
    "Sources": map_of(array(STRING)),

    # --- queries, combinators, bundles ----------------------------------------------------
    "Filter": obj({"field": STRING, "operator": obj(
        {"operator": {"type": "string", "enum": ["contains", "in", "between", "find"]}},
        {"value": ANY, "lower": ANY, "upper": ANY, "search": STRING}, extra=False)},
        {"transformation": obj({"transformation": STRING}, {"part": STRING}, extra=False)},
        extra=False),
    "EndpointQuery": obj({"endpoint": ENDPOINT},
                         {"mapping": map_of(STRING), "filters": array(ref("Filter")),
                          "links": array(ref("EndpointQuery"))}, extra=False),
    "PropertyQuery": obj({"endpoints": array(ref("EndpointQuery"))},
                         {"orderBy": STRING, "ordering": STRING, "limit": INTEGER},
                         extra=False),
    "Bundle": map_of(ref("PropertyQuery")),
    "EndpointDataBundle": obj({"name": STRING, "bundle": ref("Bundle")}, extra=False),
    "BundleData": map_of(array(ref("EndpointData"))),

    # --- data debits ------------------------------------------------------------------------
    "DataDebitSetupRequest": obj(
        {"dataDebitKey": STRING, "purpose": STRING, "start": DATE_TIME,
         "period": {"description": "milliseconds, or an ISO-8601 duration"},
         "cancelAtPeriodEnd": BOOLEAN, "requestClientName": STRING,
         "requestClientUrl": STRING, "requestClientLogoUrl": STRING, "termsUrl": STRING,
         "bundle": ref("EndpointDataBundle")},
        {"requestClientCallbackUrl": STRING, "requestApplicationId": STRING,
         "requestDescription": STRING, "conditions": ref("EndpointDataBundle")},
        extra=False),
    "DataDebitPermissions": obj(
        {"dateCreated": STRING, "purpose": STRING, "start": STRING, "period": INTEGER,
         "cancelAtPeriodEnd": BOOLEAN, "termsUrl": STRING, "bundle": ref("EndpointDataBundle"),
         "accepted": BOOLEAN, "active": BOOLEAN},
        {"canceledAt": STRING, "conditions": ref("EndpointDataBundle"), "end": STRING},
        extra=False),
    "DataDebit": obj(
        {"dataDebitKey": STRING, "dateCreated": STRING,
         "permissions": array(ref("DataDebitPermissions")), "requestClientName": STRING,
         "requestClientUrl": STRING, "requestClientLogoUrl": STRING, "active": BOOLEAN,
         "accepted": BOOLEAN},
        {"requestApplicationId": STRING, "requestDescription": STRING, "start": STRING,
         "end": STRING, "permissionsActive": ref("DataDebitPermissions"),
         "permissionsLatest": ref("DataDebitPermissions")}, extra=False),
    "DataDebitValues": obj({"bundle": ref("BundleData")}, {"conditions": map_of(BOOLEAN)},
                           extra=False),
    "DataDebitRequest": obj({"bundle": ref("EndpointDataBundle"), "startDate": DATE_TIME,
                             "endDate": DATE_TIME, "rolling": BOOLEAN},
                            {"conditions": ref("EndpointDataBundle")}, extra=False),
    "UserRole": obj({"role": STRING}, {"detail": STRING}, extra=False),
    "User": obj({"userId": STRING, "email": STRING, "name": STRING, "role": STRING,
                 "roles": array(ref("UserRole"))}, {"pass": STRING}, extra=False),
    "RichDataDebit": obj(
        {"dataDebitKey": STRING, "dateCreated": STRING, "client": ref("User"),
         "bundles": array(obj({"dateCreated": STRING, "startDate": STRING,
                               "endDate": STRING, "rolling": BOOLEAN, "enabled": BOOLEAN,
                               "bundle": ref("EndpointDataBundle")},
                              {"conditions": ref("EndpointDataBundle")}, extra=False))},
        extra=False),

    # --- SHE feed (docs/feed.md) ------------------------------------------------------------
    "FeedItem": obj({"source": STRING, "date": obj({"iso": STRING, "unix": INTEGER}),
                     "types": array(STRING)},
                    {"title": {"type": "object"}, "content": {"type": "object"},
                     "location": {"type": "object"}}),

    # --- applications -----------------------------------------------------------------------
    "Application": obj(
        {"id": {"type": "string", "pattern": "^[0-9A-Za-z][0-9A-Za-z._-]{0,99}$"},
         "kind": obj({"kind": {"type": "string",
                               "enum": ["App", "DataPlug", "Tool", "Contract"]}}),
         "info": obj({"version": {"type": "string", "pattern": r"^\d+(\.\d+){0,2}$"},
                      "name": STRING}),
         "permissions": obj({"rolesGranted": array(ref("UserRole"))},
                            {"dataRequired": ref("DataDebitRequest")}),
         "setup": obj({"kind": {"type": "string", "enum": ["External", "Internal"]}},
                      {"dependencies": array(STRING)}),
         "status": obj({"kind": {"type": "string", "enum": ["Internal", "External"]},
                        "compatibility": {"type": "string",
                                          "pattern": r"^\d+(\.\d+){0,2}$"}},
                       {"recentDataCheckEndpoint": ENDPOINT})},
        {"developer": {"type": "object"}, "dependencies": {"type": "object"}},
        extra=True) | {"description": "The original's Application manifest; fields not listed"
                                      " are kept as registered"},
    # --- files ---------------------------------------------------------------------------
    "ApiHatFileIn": obj({"name": STRING, "source": STRING},
                        {"fileId": STRING, "dateCreated": {"type": ["integer", "string"]},
                         "lastUpdated": {"type": ["integer", "string"]},
                         "tags": array(STRING), "title": STRING, "description": STRING,
                         "sourceURL": STRING, "contentType": STRING,
                         "status": obj({"status": {"type": "string", "enum": [
                             "Initialized", "New", "Completed", "Deleted"]}},
                             {"size": INTEGER}),
                         "contentUrl": STRING, "contentPublic": BOOLEAN,
                         "permissions": {"type": "array"}}),
    "ApiHatFile": obj(
        {"fileId": STRING, "name": STRING, "source": STRING, "dateCreated": INTEGER,
         "lastUpdated": INTEGER,
         "status": obj({"status": {"type": "string", "enum": ["New", "Completed",
                                                               "Deleted"]}},
                       {"size": INTEGER}, extra=False),
         "contentPublic": BOOLEAN},
        {"tags": array(STRING), "title": STRING, "description": STRING, "sourceURL": STRING,
         "contentUrl": STRING, "contentType": STRING,
         "permissions": array(obj({"userId": UUID, "contentReadable": BOOLEAN},
                                  extra=False))},
        extra=False) | {"description": "dates in unix milliseconds, as the original"},
    "HatApplication": obj({"application": ref("Application"), "setup": BOOLEAN,
                           "enabled": BOOLEAN, "active": BOOLEAN},
                          {"needsUpdating": BOOLEAN, "dependenciesEnabled": BOOLEAN,
                           "mostRecentData": STRING}, extra=False),
}
