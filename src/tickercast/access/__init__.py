"""API keys, scopes, rate limits, quotas and usage: who may call what, how often.

The HTTP layer (``serving.auth``, the fast path, the admin routes) and the ``tickercast keys``
CLI only call into this package; nothing here knows about HTTP.
"""
