"""The generator of the synchronous facade (``mettl_async.sync``): ``python -m tools.syncgen``."""
