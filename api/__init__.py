"""Everything outward-facing: the FastAPI app, its routers and the command line."""
