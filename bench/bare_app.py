"""The baseline for bench/api.py: the least a FastAPI endpoint can do on this machine.

`/ping` is an `async def` route (runs on the event loop); `/ping-sync` a plain `def` route, as
the case-workflow API's routes are, so it pays one trip through anyio's threadpool."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/ping-sync")
def ping_sync() -> dict[str, str]:
    return {"status": "ok"}
