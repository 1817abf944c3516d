"""The pose services' routes, one module per area; ``app.create_app`` includes them in this order."""

from . import frames, health, jobs, stream

ROUTERS = (health.router, frames.router, jobs.router, stream.router)
