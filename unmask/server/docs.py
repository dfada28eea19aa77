"""``/docs`` without a CDN: the OpenAPI description rendered as one plain HTML page, on the server.

FastAPI's default docs page loads Swagger UI from a CDN, which an offline machine cannot reach; this page needs
nothing but the server. The machine-readable description stays at ``/openapi.json``.
"""

from __future__ import annotations

import html
import json
from typing import Any

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h2{margin-top:2rem;border-bottom:1px solid #ccd}code,pre{font:13px ui-monospace,monospace}
pre{background:#f3f4f7;padding:.6rem;overflow:auto}.op{margin:1.2rem 0;padding:.6rem .9rem;border:1px solid #dde}
.m{display:inline-block;min-width:4.5rem;font-weight:600}.get{color:#1565c0}.post{color:#2e7d32}
.delete{color:#c62828}table{border-collapse:collapse}td,th{padding:.15rem .6rem;text-align:left;vertical-align:top}
"""


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_schema_name(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items', {}))}"
    return str(schema.get("type", "object"))


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f"<div class=op><p><span class='m {method}'>{method.upper()}</span> <code>{html.escape(path)}</code>"
        f" — {html.escape(op.get('summary', ''))}</p>"
    ]
    if op.get("description"):
        parts.append(f"<p>{html.escape(op['description'])}</p>")
    if op.get("security"):
        parts.append(
            "<p><i>Needs <code>Authorization: Bearer &lt;token&gt;</code> when the server has a token.</i></p>"
        )
    params = op.get("parameters", [])
    if params:
        rows = "".join(
            f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{html.escape(p.get('in', ''))}</td>"
            f"<td>{html.escape(_schema_name(p.get('schema', {})))}</td>"
            f"<td>{html.escape(p.get('description', ''))}</td></tr>"
            for p in params
        )
        parts.append(f"<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>{rows}</table>")
    body = op.get("requestBody", {}).get("content", {})
    for media_type in body:
        parts.append(f"<p>request body: <code>{html.escape(media_type)}</code></p>")
    responses = "".join(
        f"<tr><td><b>{html.escape(code)}</b></td><td>{html.escape(answer.get('description', ''))}</td></tr>"
        for code, answer in op.get("responses", {}).items()
    )
    parts.append(f"<table>{responses}</table></div>")
    return "".join(parts)


def render_docs(openapi: dict[str, Any]) -> str:
    """An HTML page listing every path, method, parameter and response of an OpenAPI description."""
    info = openapi.get("info", {})
    title = html.escape(f"{info.get('title', 'API')} {info.get('version', '')}".strip())
    ops = "".join(
        _operation(path, method, op)
        for path, methods in openapi.get("paths", {}).items()
        for method, op in methods.items()
        if isinstance(op, dict)
    )
    schemas = openapi.get("components", {}).get("schemas", {})
    models = "".join(
        f"<details><summary><code>{html.escape(name)}</code></summary><pre>{html.escape(json.dumps(schema, indent=2))}"
        "</pre></details>"
        for name, schema in schemas.items()
    )
    description = html.escape(info.get("description", ""))
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title><style>{_STYLE}</style>"
        f"</head><body><h1>{title}</h1><p>{description}</p><p>Machine-readable: <a href='/openapi.json'>"
        f"/openapi.json</a>. The upload page: <a href='/'>/</a>.</p><h2>Endpoints</h2>{ops}"
        f"<h2>Schemas</h2>{models}</body></html>"
    )
