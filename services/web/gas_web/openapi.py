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


def _q(name: str, description: str, schema: dict[str, Any] | None = None,
       many: bool = False) -> dict[str, Any]:
    """A query parameter; `many` ones may repeat or hold a comma-separated list."""
    schema = schema or {"type": "string"}
    if many:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "description": description, "schema": schema,
            **({"style": "form", "explode": True} if many else {})}


_PAGING = [
    _q("limit", "Rows a page (default 50)", {"type": "integer", "minimum": 1,
                                              "maximum": 500}),
    _q("cursor", "`next_cursor` or `prev_cursor` of the previous answer, same query"),
]
_FILTERS = [
    _q("gene", "Gene names or IDs", many=True),
    _q("consequence", "Sequence Ontology terms, e.g. missense_variant", many=True),
    _q("impact", "HIGH, MODERATE, LOW or MODIFIER", many=True),
    _q("region", "CHROM, CHROM:POS or CHROM:START-END, e.g. chr7:117,559,000-117,560,000"),
    _q("rsid", "One rsID, e.g. rs429358"),
    _q("clinvar", "Text in the ClinVar significance field (jobs with a ClinVar source)"),
    _q("max_af", "Highest allele frequency kept; absent counts as rare (jobs with one)",
       {"type": "number", "minimum": 0, "maximum": 1}),
    _q("picked", "Only each ALT's picked transcript", {"type": "boolean"}),
    _q("coding", "Only entries that change or may change a protein", {"type": "boolean"}),
]
_SORT = _q("sort", "A column, `-` in front for descending; default `pos` (file order)")
_NUMBER = {"name": "number", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 0},
           "description": "The record's `variant` number"}
_BAD = {"400": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"}}


def _table_op(summary: str, schema: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    op = _op(summary, "200", schema, parameters=[_JOB_ID, *parameters])
    op["responses"].update(_BAD)
    return op


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
            "/jobs/{job_id}": {
                "get": _op("One job", "200", "Job", parameters=[_JOB_ID]),
                "delete": {"summary": "Delete a finished job: record, input, results, log and "
                           "cold copy (409 while running, archiving or restoring)",
                           "parameters": [_JOB_ID],
                           "responses": {"204": {"description": "Deleted"}, **_ERRORS,
                                         "409": {"$ref": "#/components/responses/Error"}}},
                "patch": _op("Rename a job: set its `label` (empty clears it; 400 when over "
                             "100 characters)", "200", "Job", parameters=[_JOB_ID],
                             requestBody={"required": True, **_json("RenameRequest")}),
            },
            "/jobs/{job_id}/rerun": {"post": {
                **_op("Annotate the job's input again with another installed reference, as a "
                      "new job (the original stays); 400 for a reference not installed, 409 "
                      "while the job runs, 429 when too many jobs are active", "201", "Job",
                      parameters=[_JOB_ID],
                      requestBody={"required": True, **_json("RerunRequest")})}},
            "/references": {"get": _op("Installed references a job can be re-run with", "200",
                                       "References")},
            "/jobs/{job_id}/log": {"get": _op("The job's log", "200", "Log",
                                              parameters=[_JOB_ID])},
            "/jobs/{job_id}/download": {"get": _op(
                "Short-lived results URL (409 when archived or restoring)", "200", "Download",
                parameters=[_JOB_ID])},
            "/jobs/{job_id}/variants": {"get": _table_op(
                "Variant rows (one per ALT x transcript entry), filtered and sorted; 400 for "
                "a bad parameter, 409 while archived", "VariantPage",
                [*_FILTERS, _SORT, *_PAGING])},
            "/jobs/{job_id}/variants/{number}": {"get": _table_op(
                "Every transcript entry of one VCF record, and links out", "Variant",
                [_NUMBER])},
            "/jobs/{job_id}/genes": {"get": _table_op(
                "Per gene: variants by impact and the most severe consequence", "GenePage",
                [_q("q", "Part of a gene name or ID"),
                 _q("sort", "variants, high, moderate, low, modifier, gene or chrom; `-` "
                    "for descending (default -variants)"), *_PAGING])},
            "/jobs/{job_id}/export": {"get": {
                "summary": "The filtered rows as TSV, or the original VCF records of them "
                           "(streamed)",
                "parameters": [_JOB_ID, _q("format", "tsv (default) or vcf",
                                           {"enum": ["tsv", "vcf"]}), *_FILTERS, _SORT],
                "responses": {"200": {"description": "The export", "content": {
                    "text/tab-separated-values": {"schema": {"type": "string"}},
                    "text/x-vcf": {"schema": {"type": "string"}}}}, **_ERRORS, **_BAD}}},
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
                "RenameRequest": {"type": "object", "required": ["label"], "properties": {
                    "label": {"type": "string", "maxLength": 100}}},
                "RerunRequest": {"type": "object", "required": ["reference"], "properties": {
                    "reference": {"type": "string", "description": "An installed reference's "
                                  "name, from /references"}}},
                "References": {"type": "object", "properties": {"references": {
                    "type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "build": {"type": ["string", "null"]}}}}}},
                "SubmitRequest": {"type": "object", "required": ["key"], "properties": {
                    "key": {"type": "string"}, "bucket": {"type": "string"}}},
                "Job": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "input_file_name": {"type": "string"},
                    "job_status": {"enum": ["PENDING", "RUNNING", "COMPLETED", "FAILED"]},
                    "submit_time": {"type": "integer"}, "complete_time": {"type": "integer"},
                    "progress_variants": {"type": "integer"}, "error": {"type": "string"},
                    "summary": {"type": "object"},
                    "label": {"type": "string"}, "reference": {"type": "string"},
                    "requested_reference": {"type": "string"}, "rerun_of": {"type": "string"},
                    "restore_tier": {"enum": ["Expedited", "Standard"]},
                    "restore_wait": {"type": "string",
                                     "description": "AWS's typical wait for that tier"},
                    "results": {"enum": ["none", "hot", "archived", "restoring"]}}},
                "JobPage": {"type": "object", "properties": {
                    "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
                    "next_cursor": {"type": ["string", "null"]}}},
                "Log": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "log": {"type": "string"}}},
                "Download": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "url": {"type": "string"},
                    "expires_in": {"type": "integer"}}},
                "VariantPage": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "total": {"type": "integer"},
                    "offset": {"type": "integer"}, "limit": {"type": "integer"},
                    "sort": {"type": "string"},
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "rows": {"type": "array", "items": {
                        "type": "object", "description": "chrom, pos, ref, alt, id, gene, "
                        "gene_id, transcript, biotype, consequence, impact, hgvs_c, hgvs_p, "
                        "pick, variant (the VCF record's number) and every INFO field"}},
                    "next_cursor": {"type": ["string", "null"]},
                    "prev_cursor": {"type": ["string", "null"]}}},
                "Variant": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "variant": {"type": "integer"},
                    "rows": {"type": "array", "items": {"type": "object"}},
                    "links": {"type": "array", "items": {"type": "object", "properties": {
                        "label": {"type": "string"}, "url": {"type": "string"}}}}}},
                "GenePage": {"type": "object", "properties": {
                    "job_id": {"type": "string"}, "total": {"type": "integer"},
                    "rows": {"type": "array", "items": {"type": "object", "properties": {
                        k: {"type": "integer" if k not in ("gene", "gene_id", "chrom",
                                                            "most_severe") else "string"}
                        for k in ("gene", "gene_id", "chrom", "start", "end", "variants",
                                  "high", "moderate", "low", "modifier", "most_severe")}}},
                    "next_cursor": {"type": ["string", "null"]},
                    "prev_cursor": {"type": ["string", "null"]}}},
            },
        },
    }
