"""The agents' lookup console and the administrators' tools (FastAPI, pages that work without JavaScript)."""
