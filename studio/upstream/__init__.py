"""The one way out: every call from Studio to a model endpoint or to Azure Resource Manager goes through here.

Nothing else in Studio imports `openai`, `httpx2` or `azure.identity` for upstream calls (a test checks it).
- `http`: the per-process httpx2 clients, their timeouts, connection limits and the address guard.
- `url_guard`: which endpoint URLs Studio may call (no link-local or cloud-metadata addresses, ever).
- `credentials`: API keys and Microsoft Entra ID credentials, built once per process, tokens cached.
- `dataplane`: the official openai SDK client for a resource (dated API, v1 API, OpenAI-compatible).
- `arm`: the ARM control plane (deployments, catalog, quota, content filters), on httpx2.
- `errors`: the typed errors views and tasks catch.
- `probe`: "Test connection", which says precisely what failed.
"""
