"""The OpenAPI document of /api/v1 (a test checks every route is described here)."""

from __future__ import annotations

from typing import Any

_JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
_ERRORS = {
    "401": {"$ref": "#/components/responses/Error"},
    "404": {"$ref": "#/components/responses/Error"},
}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _op(summary: str, ok: str, schema: str, **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {ok: {"description": "OK", **_json(schema)},
                                              **_ERRORS}, **extra}


def document(server: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of every /api/v1 route."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "GAS API", "version": "1",
                 "description": "Upload VCF files, run annotation jobs, fetch results. "
                 "Authenticate with a Globus Auth bearer token, or a browser session plus "
                 "the X-CSRFToken header on writes."},
        "servers": [{"url": server.rstrip("/") + "/api/v1"}],
        "security": [{"globus": []}, {"session": []}],
        "paths": {
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI"}}}},
            "/me": {"get": _op("The caller", "200", "User")},
            "/uploads": {"post": _op(
                "Presigned S3 POST for one VCF", "201", "Upload",
                requestBody={"required": True, **_json("UploadRequest")})},
            "/jobs": {
                "get": _op("The caller's jobs, newest first", "200", "JobPage", parameters=[
                    {"name": "limit", "in": "query", "schema": {"type": "integer",
                                                                "maximum": 100}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}}]),
                "post": _op("Submit an uploaded file", "201", "Job",
                            requestBody={"required": True, **_json("SubmitRequest")}),
            },
            "/jobs/{job_id}": {"get": _op("One job", "200", "Job", parameters=[_JOB_ID])},
            "/jobs/{job_id}/log": {"get": _op("The job's log", "200", "Log",
                                              parameters=[_JOB_ID])},
            "/jobs/{job_id}/download": {"get": _op(
                "Short-lived results URL (409 when archived or restoring)", "200", "Download",
                parameters=[_JOB_ID])},
        },
        "components": {
            "securitySchemes": {
                "globus": {"type": "http", "scheme": "bearer",
                           "description": "A Globus Auth access token issued to GAS"},
                "session": {"type": "apiKey", "in": "cookie", "name": "gas_session"},
            },
            "responses": {"Error": {"description": "Error", **_json("Error")}},
            "schemas": {
                "Error": {"type": "object", "properties": {
                    "error": {"type": "string"}, "status": {"type": "integer"}}},
                "User": {"type": "object", "properties": {
                    k: {"type": "string"} for k in
                    ("user_id", "name", "email", "institution", "role")}},
                "UploadRequest": {"type": "object", "required": ["filename"], "properties": {
                    "filename": {"type": "string"}, "size": {"type": "integer"},
                    "redirect": {"type": "boolean",
                                 "description": "S3 redirects a browser form to /annotate/job"}}},
                "Upload": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "bucket": {"type": "string"},
                    "key": {"type": "string"}, "url": {"type": "string"},
                    "fields": {"type": "object"}, "max_bytes": {"type": "integer"},
                    "expires_in": {"type": "integer"}, "submit_url": {"type": "string"}}},
                "SubmitRequest": {"type": "object", "required": ["key"], "properties": {
                    "key": {"type": "string"}, "bucket": {"type": "string"}}},
                "Job": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "input_file_name": {"type": "string"},
                    "job_status": {"enum": ["PENDING", "RUNNING", "COMPLETED", "FAILED"]},
                    "submit_time": {"type": "integer"}, "complete_time": {"type": "integer"},
                    "progress_variants": {"type": "integer"}, "error": {"type": "string"},
                    "summary": {"type": "object"},
                    "results": {"enum": ["none", "hot", "archived", "restoring"]}}},
                "JobPage": {"type": "object", "properties": {
                    "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
                    "next_cursor": {"type": ["string", "null"]}}},
                "Log": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "log": {"type": "string"}}},
                "Download": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "url": {"type": "string"},
                    "expires_in": {"type": "integer"}}},
            },
        },
    }
