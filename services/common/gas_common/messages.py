"""The one schema of every GAS message (the SNS `Message` body), validated on both ends."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class MessageError(ValueError):
    """A message body that is not JSON, of an unknown type, or missing fields."""


class _Message(BaseModel):
    # Extra fields are kept: producers may add what they need (DESIGN.md: never rename).
    model_config = ConfigDict(extra="allow", frozen=True)
    version: Literal[1] = 1


class _JobMessage(_Message):
    """A message about one job of one user."""

    job_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)


class JobRequested(_JobMessage):
    type: Literal["job.requested"] = "job.requested"
    input_file_name: str = Field(min_length=1)
    s3_inputs_bucket: str = Field(min_length=1)
    s3_key_input_file: str = Field(min_length=1)
    submit_time: int


class JobCompleted(_JobMessage):
    type: Literal["job.completed"] = "job.completed"
    complete_time: int
    s3_results_bucket: str = Field(min_length=1)
    s3_key_result_file: str = Field(min_length=1)
    s3_key_log_file: str = Field(min_length=1)


class JobFailed(_JobMessage):
    type: Literal["job.failed"] = "job.failed"
    complete_time: int
    reason: str


class JobRestored(_JobMessage):
    type: Literal["job.restored"] = "job.restored"


class JobArchived(_JobMessage):
    type: Literal["job.archived"] = "job.archived"


class ThawRequested(_Message):
    type: Literal["thaw.requested"] = "thaw.requested"
    user_id: str = Field(min_length=1)


Message = Annotated[
    JobRequested | JobCompleted | JobFailed | JobRestored | JobArchived | ThawRequested,
    Field(discriminator="type"),
]
_adapter: TypeAdapter[Message] = TypeAdapter(Message)


def parse(body: str | bytes) -> Message:
    """Validate a message body; MessageError says in one line what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError, RecursionError):
        raise MessageError("message body is not JSON") from None
    if not isinstance(data, dict):
        raise MessageError("message body is not a JSON object")
    try:
        return _adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        raise MessageError(
            f"invalid {data.get('type', 'untyped')!s:.40} message: {where}: {first['msg']}"
        ) from None


def dumps(message: BaseModel) -> str:
    """Serialise a message for SNS."""
    return message.model_dump_json()
