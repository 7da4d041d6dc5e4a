"""An agent on the official MCP Python SDK (mcp 2.3.0), driven by the vitest side.

Usage: latchkey_agent.py URL MODE PLAN_JSON, with the agent's token in LATCHKEY_TOKEN.
MODE is "legacy" (the initialize handshake, 2025-11-25), "2026-07-28" (stateless), or
"auto" (the SDK probes server/discover first).
PLAN_JSON is a list of steps; each step's outcome is printed as one JSON document on
stdout (a list, in step order). The script asserts nothing: the test judges.

The SDK ships no client for the Tasks extension (io.modelcontextprotocol/tasks), only
the machinery to write one (ClientExtension + ResultClaim): TasksExtension below is
that client, as small as the extension allows — it claims resultType "task" and polls
tasks/get until the task leaves "working".
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any, ClassVar, Literal

import httpx2
from mcp import Client
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, Request, RequestParams, Result
from pydantic import ConfigDict, TypeAdapter

TASKS = "io.modelcontextprotocol/tasks"
ANY = TypeAdapter(dict[str, Any])
MAX_POLLS = 2000


class TaskHandle(Result):
    """The extension's CreateTaskResult, as the gateway sends it (fields beyond these kept)."""

    model_config = ConfigDict(extra="allow")
    result_type: Literal["task"]
    task_id: str
    status: str
    status_message: str | None = None
    poll_interval_ms: int | None = None


class TaskIdParams(RequestParams):
    task_id: str


class TasksGet(Request[TaskIdParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: TaskIdParams
    name_param: ClassVar[str | None] = "taskId"


class TasksCancel(Request[TaskIdParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    params: TaskIdParams
    name_param: ClassVar[str | None] = "taskId"


async def tasks_get(session: Any, task_id: str) -> dict[str, Any]:
    return await session.send_request(TasksGet(params=TaskIdParams(task_id=task_id)), ANY)


async def tasks_cancel(session: Any, task_id: str) -> dict[str, Any]:
    return await session.send_request(TasksCancel(params=TaskIdParams(task_id=task_id)), ANY)


class TasksExtension(ClientExtension):
    identifier = TASKS

    def __init__(self) -> None:
        self.handles: list[dict[str, Any]] = []
        self.polls = 0

    def claims(self) -> list[ResultClaim[Any]]:
        return [ResultClaim(result_type="task", model=TaskHandle, resolve=self.resolve)]

    async def resolve(self, handle: TaskHandle, ctx: ClaimContext) -> CallToolResult:
        self.handles.append({"taskId": handle.task_id, "status": handle.status, "statusMessage": handle.status_message})
        for _ in range(MAX_POLLS):
            task = await tasks_get(ctx.session, handle.task_id)
            self.polls += 1
            if task.get("status") != "working":
                if task.get("status") == "completed":
                    return CallToolResult.model_validate(task["result"])
                return CallToolResult(content=[], is_error=True, structured_content={"taskStatus": task.get("status")})
            # The server's hint, capped: the test answers the prompt at once.
            await asyncio.sleep(min((handle.poll_interval_ms or 50) / 1000, 0.05))
        raise RuntimeError("the task never finished")


def outcome(r: CallToolResult) -> dict[str, Any]:
    text = "".join(getattr(c, "text", "") or "" for c in r.content)
    return {"isError": bool(r.is_error), "text": text, "structuredContent": r.structured_content}


async def run(url: str, mode: str, plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    token = os.environ["LATCHKEY_TOKEN"]
    tasks = TasksExtension()
    out: list[dict[str, Any]] = []
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        client = Client(
            streamable_http_client(url, http_client=http),
            mode=mode,  # type: ignore[arg-type]
            extensions=[tasks] if mode != "legacy" else None,
            cache=None,
        )
        async with client:
            for step in plan:
                kind = step["step"]
                if kind == "version":
                    out.append({"protocolVersion": client.protocol_version})
                elif kind == "list_tools":
                    out.append({"tools": [t.name for t in (await client.list_tools()).tools]})
                elif kind == "call":
                    before = len(tasks.handles)
                    r = outcome(await client.call_tool(step["name"], step["arguments"]))
                    r["task"] = tasks.handles[before] if len(tasks.handles) > before else None
                    out.append(r)
                elif kind == "call_then_cancel":
                    # Take the task handle ourselves (allow_claimed), cancel it, then read it back.
                    handle = await client.session.call_tool(step["name"], step["arguments"], allow_claimed=True)
                    if not isinstance(handle, TaskHandle):
                        out.append({"error": f"expected a task, got {type(handle).__name__}"})
                        continue
                    ack = await tasks_cancel(client.session, handle.task_id)
                    after = await tasks_get(client.session, handle.task_id)
                    out.append({"task": {"taskId": handle.task_id, "status": handle.status}, "ack": ack, "after": after})
                else:
                    raise ValueError(f"unknown step {kind!r}")
    return out


def main() -> None:
    url, mode, plan = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    print(json.dumps(asyncio.run(run(url, mode, plan))))


if __name__ == "__main__":
    main()
