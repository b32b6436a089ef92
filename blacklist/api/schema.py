"""The OpenAPI document: the key scheme, and the JSON errors every operation can answer."""

from pathlib import Path
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
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


class PlatformAutoSchema(AutoSchema):
    """Each operation says which scope it needs and what the identity scope changes."""

    def get_description(self) -> str:
        description = super().get_description() or ""
        scope = getattr(self.view, "required_scope", None)
        if scope:
            description += f"\n\nNeeds the scope `{scope}`."
        if getattr(self.view, "shows_identities", False):
            description += (
                " Names and ID numbers are full with the scope `identity`, else masked as "
                "the public pages show them."
            )
        return description.strip()

    def _get_request_body(self, direction: str = "request") -> dict[str, Any] | None:
        """A DELETE that names what to delete in its body (`monitors/`) documents that body;
        the generator leaves DELETE bodies out by default."""
        body = super()._get_request_body(direction)
        if body is not None or self.method != "DELETE":
            return body
        serializer = self.get_request_serializer()
        if serializer is None:
            return None
        schema, required = self._get_request_for_media_type(serializer, direction)
        if schema is None:
            return None
        return {"content": {"application/json": {"schema": schema}}, "required": required}


ERROR_CODES = (
    "`invalid` (400, with `fields`), `parse_error` (400), `not_authenticated` and "
    "`authentication_failed` (401), `permission_denied` (403), `not_found` (404), "
    "`method_not_allowed` (405), `not_acceptable` (406), `too_many_subjects` and "
    "`too_large` (413), `unsupported_media_type` (415), `throttled` (429: the rate per "
    "minute), `quota_exceeded` (429: the daily quota of subjects), `enumeration_suspected` "
    "(429: checks that try out what a mask hides), `server_error` (500)"
)

ERRORS = {
    "400": "The request is invalid; `fields` names each field at fault by its path "
    "(`subjects[3].id_number`).",
    "401": "No API key, or one that is invalid, revoked, expired or of a disabled client.",
    "403": "The client lacks the scope this endpoint needs; the message names it.",
    "404": "No such object visible to credit platforms.",
    "404-cursor": "An invalid `cursor`: start again without one.",
    "405": "A method this path does not take; `Allow` lists those it does.",
    "406": "An `Accept` header that excludes what this endpoint sends.",
    "413": "More subjects than one request takes (1,000 per check, 100,000 monitors per "
    "registration or removal), or a body over the size limit.",
    "415": "A body that is not `application/json`.",
    "429": "Over the client's rate; `Retry-After` says how many seconds to wait.",
    "429-screening": "Over the client's rate (`throttled`), over its daily quota of subjects "
    "(`quota_exceeded`, until midnight Asia/Shanghai), or refused as an attempt to recover "
    "masked identities (`enumeration_suspected`, until midnight; officials are alerted). "
    "`Retry-After` says how many seconds to wait.",
}

# Request bodies whose unknown fields are refused (a misspelt `id_number` must not pass
# as a subject given by name alone).
CLOSED_REQUESTS = (
    "CheckRequest",
    "CheckSubjectRequest",
    "MonitorRegistrationRequest",
    "MonitorSubjectRequest",
    "MonitorRemovalRequest",
)


DESCRIPTION = Path(__file__).with_name("description.md")


def add_description(result: dict[str, Any], generator: Any, request: Any, public: bool):
    """Postprocessing hook: the API's introduction, kept as Markdown next to the views."""
    result.setdefault("info", {})["description"] = DESCRIPTION.read_text(encoding="utf-8")
    return result


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool):
    """Postprocessing hook: document the error answers the views and DRF actually give."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name in CLOSED_REQUESTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    schemas["Error"] = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {
                "type": "string",
                "description": f"stable, machine-readable: {ERROR_CODES}",
            },
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
    allow = {"Allow": {"schema": {"type": "string"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if "security" not in operation:  # a public operation (`keys/`): says so
                operation["security"] = []
            _tighten_query_parameters(operation)
            responses = operation.setdefault("responses", {})
            for code, description in _errors_of(path, method, operation).items():
                response: dict[str, Any] = {"description": description, "content": error_body}
                if code == "429":
                    response["headers"] = retry_after
                if code == "401":
                    response["headers"] = www_authenticate
                if code == "405":
                    response["headers"] = allow
                responses.setdefault(code, response)
    return result


def _errors_of(path: str, method: str, operation: dict[str, Any]) -> dict[str, str]:
    """The error answers one operation can give."""
    parameters = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    # a public operation asks for no key and counts no rate
    codes = ["401", "403", "405", "406", "429"] if operation["security"] else ["405", "406"]
    if parameters or "requestBody" in operation:
        codes.append("400")
    if "{" in path:
        codes.append("404")
    if method == "post" or "requestBody" in operation:
        codes += ["413", "415"]
    errors = {code: ERRORS[code] for code in sorted(codes)}
    if "cursor" in parameters:
        errors["404"] = ERRORS["404-cursor"]
    if method == "post" or {"id_number", "name"} <= parameters:  # checks, lookups
        errors["429"] = ERRORS["429-screening"]
    return errors


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
