"""The benchmarks' peer: what a team would otherwise write for Keel's S1 and S2, in FastAPI.

FastAPI on uvicorn (uvloop + httptools), asyncpg, idiomatic: a lifespan-managed pool, the
bearer check as a dependency, Pydantic response models. It reads and writes the very database
Keel serves, as Keel's own role (`keel_app`: no superuser, row-level security applies), and does
what Keel does for these requests, statement for statement:

  authentication   one statement outside any transaction, as Keel sends it:
                   accounts.session_by_token_hash (migration 0008), the session found by the
                   SHA-256 of the bearer token, joined to its user and tenant; the session must be usable (user active and not locked,
                   tenant active) and within both expiries, or it is deleted and the answer is 401;
                   `last_seen_at` is touched at most once a minute; MFA enrolment blocks the rest;
  the read         a transaction scoped with set_config('app.tenant_id', …, true), the
                   tenant-scoped SELECT of UserRows.find / UserRows.page;
  the answer       the same JSON fields (Keel's `User` schema, nulls left out), ETag on one user,
                   `{data, has_more, next_cursor}` with Keel's base64url cursor on the list.

Run (scripts/bench.sh does): PEER_DB_SOCKET_DIR=<cluster socket dir> PEER_POOL_SIZE=3 \
  bench/peer/.venv/bin/uvicorn app:app --app-dir bench/peer --workers 2 --loop uvloop \
  --http httptools --no-access-log --port P
"""

import base64
import hashlib
import os
import re
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Annotated, Optional

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

IDLE_SECONDS = int(os.environ.get("KEEL_SESSION_IDLE_SECONDS", "3600"))
TOUCH_INTERVAL = timedelta(seconds=60)
TOKEN_RE = re.compile(r"^keel_[A-Za-z0-9_-]{43}$")
# Roles with users.read (docs/rbac.md): all of them.
USERS_READ = {"owner", "admin", "billing", "member", "viewer"}

# Keel's session lookup: one statement, outside any transaction (migration 0008).
LOOKUP = """
select tenant_id, session_id, user_id, role, usable, expires_at, last_seen_at, now, mfa_enrolment_required
from accounts.session_by_token_hash($1, '5000ms')
"""
COLUMNS = """user_id, tenant_id, email, name, role, status, version, created_at, email_verified_at,
mfa_enabled_at is not null as mfa_enabled, locked_at, lock_reason"""
# Keel's Transaction.run bounds every transaction in the same statement that sets its scope.
TIMEOUTS = "set_config('lock_timeout', '5s', true), set_config('statement_timeout', '30s', true)"
SCOPE_TENANT = f"select set_config('app.tenant_id', $1, true), {TIMEOUTS}"
FIND_USER = f"select {COLUMNS} from accounts.users where tenant_id = $1 and user_id = $2"
PAGE_USERS = f"""select {COLUMNS} from accounts.users
where tenant_id = $1 and ($2::uuid is null or user_id > $2)
order by user_id
limit $3"""


@asynccontextmanager
async def lifespan(app: FastAPI):
    size = int(os.environ.get("PEER_POOL_SIZE", "3"))
    app.state.pool = await asyncpg.create_pool(
        host=os.environ["PEER_DB_SOCKET_DIR"], user=os.environ.get("PEER_DB_USER", "keel_app"),
        database=os.environ.get("PEER_DB_NAME", "keel"), min_size=size, max_size=size)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)


class User(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: str
    status: str
    version: int
    created_at: datetime


class UserList(BaseModel):
    data: list[User]
    has_more: bool
    next_cursor: Optional[str] = None


class Principal(BaseModel):
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    session_id: uuid.UUID
    role: str


def problem(status: int, code: str, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail={"code": code, "detail": detail})


@app.exception_handler(HTTPException)
async def problem_handler(request: Request, exc: HTTPException):
    body = exc.detail if isinstance(exc.detail, dict) else {"detail": exc.detail}
    return JSONResponse({"status": exc.status_code, **body}, status_code=exc.status_code,
                        media_type="application/problem+json")


async def principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not TOKEN_RE.match(token):
        raise problem(401, "unauthenticated", "The bearer token is not valid or its session has ended; log in again.")
    digest = hashlib.sha256(token.encode()).digest()
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        found = await conn.fetchrow(LOOKUP, digest)
        if found is None:
            raise problem(401, "unauthenticated", "The bearer token is not valid or its session has ended; log in again.")
        now = found["now"]
        ended = (not found["usable"] or found["expires_at"] <= now
                 or found["last_seen_at"] + timedelta(seconds=IDLE_SECONDS) <= now)
        if ended or now - found["last_seen_at"] >= TOUCH_INTERVAL:
            async with conn.transaction(isolation="read_committed"):
                await conn.execute(SCOPE_TENANT, str(found["tenant_id"]))
                if ended:
                    await conn.execute("delete from accounts.sessions where tenant_id = $1 and session_id = $2",
                                       found["tenant_id"], found["session_id"])
                else:
                    await conn.execute("update accounts.sessions set last_seen_at = now() "
                                       "where tenant_id = $1 and session_id = $2",
                                       found["tenant_id"], found["session_id"])
        if ended:
            raise problem(401, "unauthenticated", "The bearer token is not valid or its session has ended; log in again.")
    if found["mfa_enrolment_required"]:
        raise problem(403, "mfa_enrolment_required", "Your organisation requires MFA: enrol first.")
    if found["role"] not in USERS_READ:
        raise problem(403, "forbidden", "Your role does not allow this.")
    return Principal(tenant_id=found["tenant_id"], user_id=found["user_id"],
                     session_id=found["session_id"], role=found["role"])


Auth = Annotated[Principal, Depends(principal)]


def user_of(row) -> User:
    return User(id=row["user_id"], email=row["email"], name=row["name"], role=row["role"],
                status=row["status"], version=row["version"], created_at=row["created_at"])


def cursor_after(user_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Optional[uuid.UUID]:
    try:
        return uuid.UUID(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return None


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


@app.get("/v1/users/{user_id}", response_model=User)
async def get_user(user_id: str, who: Auth, request: Request, response: Response):
    try:
        wanted = uuid.UUID(user_id)
    except ValueError:
        raise problem(404, "user_not_found", "There is no such user.")
    async with request.app.state.pool.acquire() as conn:
        async with conn.transaction(isolation="read_committed"):
            await conn.execute(SCOPE_TENANT, str(who.tenant_id))
            row = await conn.fetchrow(FIND_USER, who.tenant_id, wanted)
    if row is None:
        raise problem(404, "user_not_found", "There is no such user.")
    response.headers["ETag"] = f'"{row["version"]}"'
    return user_of(row)


@app.get("/v1/users", response_model=UserList, response_model_exclude_none=True)
async def list_users(who: Auth, request: Request,
                     limit: Annotated[int, Query(ge=1, le=100)] = 20, starting_after: Optional[str] = None):
    after = None
    if starting_after is not None:
        after = decode_cursor(starting_after)
        if after is None:
            raise problem(400, "invalid_input", "starting_after must be a next_cursor returned by this list.")
    async with request.app.state.pool.acquire() as conn:
        async with conn.transaction(isolation="read_committed"):
            await conn.execute(SCOPE_TENANT, str(who.tenant_id))
            rows = await conn.fetch(PAGE_USERS, who.tenant_id, after, limit + 1)
    users = [user_of(r) for r in rows[:limit]]
    has_more = len(rows) > limit
    return UserList(data=users, has_more=has_more, next_cursor=cursor_after(users[-1].id) if has_more else None)
