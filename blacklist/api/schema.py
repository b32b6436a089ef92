"""The OpenAPI document: the key scheme, and the JSON errors every operation can answer."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "blacklist.api.access.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Api-Key <key>`; keys are issued by the portal's "
            "operators and shown once.",
        }


ERRORS = {
    "400": "The request is invalid; `fields` names each field at fault.",
    "401": "No API key, or one that is invalid, revoked, expired or of a disabled client.",
    "403": "The client lacks the scope this endpoint needs.",
    "404": "No such object, or an invalid cursor.",
    "413": "More subjects than one check takes.",
    "429": "Over the client's rate; `Retry-After` says how many seconds to wait.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool):
    """Postprocessing hook: document the error answers the views and DRF actually give."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "stable, machine-readable"},
            "message": {"type": "string", "description": "for people, in the language asked"},
            "fields": {
                "type": "object",
                "description": "400 only: each field at fault, by path, with its problems",
                "additionalProperties": {
                    "type": "array",
                    "items": build_basic_type(OpenApiTypes.STR),
                },
            },
        },
    }
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    retry_after = {
        "Retry-After": {
            "schema": {"type": "integer"},
            "description": "seconds until the next request will be accepted",
        }
    }
    www_authenticate = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            _tighten_query_parameters(operation)
            codes = ["400", "401", "403", "404", "429"]
            if method == "post" and path.endswith("/checks/"):
                codes.append("413")
            responses = operation.setdefault("responses", {})
            for code in codes:
                response = {"description": ERRORS[code], "content": error_body}
                if code == "429":
                    response["headers"] = retry_after
                if code == "401":
                    response["headers"] = www_authenticate
                responses.setdefault(code, response)
    return result


def _tighten_query_parameters(operation: dict[str, Any]) -> None:
    """Say in the schema what the views enforce: a parameter given may not be empty,
    and a page holds 1 to 1,000 rows."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.setdefault("schema", {})
        if schema.get("type") == "string" and "enum" not in schema:
            schema.setdefault("minLength", 1)
        if parameter["name"] == "page_size":
            schema.update({"minimum": 1, "maximum": 1000})
